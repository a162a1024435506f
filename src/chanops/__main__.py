from chanops.cli import main

main()
