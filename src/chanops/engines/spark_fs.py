"""Files on the cluster's storage (hdfs://, s3a://, file://, a local path) through Hadoop's
FileSystem API in the Spark driver, so the lake code is the same wherever the data lies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Entry:
    path: str
    name: str
    is_dir: bool
    size: int


class LakeFS:
    """The few file operations the lake needs, on URLs or local paths."""

    def __init__(self, spark):
        self.spark = spark
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _path(self, url: str):
        return self.jvm.org.apache.hadoop.fs.Path(url)

    def _fs(self, url: str):
        return self._path(url).getFileSystem(self.conf)

    def qualified(self, url: str) -> str:
        """A local path as the file:// URL Spark and Hadoop agree on."""
        path = self._path(url)
        return str(self._fs(url).makeQualified(path).toString())

    def exists(self, url: str) -> bool:
        return bool(self._fs(url).exists(self._path(url)))

    def is_file(self, url: str) -> bool:
        return bool(self._fs(url).isFile(self._path(url)))

    def list(self, url: str) -> list[Entry]:
        if not self.exists(url):
            return []
        return [
            Entry(str(s.getPath().toString()), str(s.getPath().getName()), bool(s.isDirectory()), int(s.getLen()))
            for s in self._fs(url).listStatus(self._path(url))
        ]

    def mkdirs(self, url: str) -> None:
        self._fs(url).mkdirs(self._path(url))

    def rename(self, source: str, target: str) -> bool:
        fs = self._fs(source)
        fs.mkdirs(self._path(target).getParent())
        return bool(fs.rename(self._path(source), self._path(target)))

    def delete(self, url: str) -> None:
        if self.exists(url):
            self._fs(url).delete(self._path(url), True)

    def create_new(self, url: str, text: str) -> bool:
        """Create a file holding `text` only if none exists: False when one does (the lock)."""
        fs, path = self._fs(url), self._path(url)
        try:
            stream = fs.create(path, False)
        except Exception:  # FileAlreadyExistsException arrives as a Py4JJavaError
            if fs.exists(path):
                return False
            raise
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
        return True

    def read_text(self, url: str) -> str:
        return self.read_head(url, 1 << 20).decode("utf-8")

    def write_text(self, url: str, text: str) -> None:
        stream = self._fs(url).create(self._path(url), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def read_head(self, url: str, size: int) -> bytes:
        """The first `size` bytes of a file (decompressed when its codec is known, e.g. .gz)."""
        fs, path = self._fs(url), self._path(url)
        codec = self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf).getCodec(path)
        stream = fs.open(path)
        if codec is not None:
            stream = codec.createInputStream(stream)
        try:
            return bytes(stream.readNBytes(size))  # byte[] crosses py4j in one piece
        finally:
            stream.close()
