"""What people and pipelines see: output formats and the writers (formats, output),
labels and number formatting (labels, numbers), and the monthly report (report, render,
charts)."""
