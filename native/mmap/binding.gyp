{
  "targets": [
    {
      "target_name": "tidepool_mmap",
      "sources": ["mmap.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
