{
  "targets": [
    {
      "target_name": "tidepool_fork",
      "sources": ["fork.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-cast-function-type"]
    }
  ]
}
