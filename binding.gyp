{
  "targets": [
    {
      "target_name": "adept_native",
      "sources": ["native/adept.c", "native/cpu.c", "native/libs.c", "native/bf16.c", "native/kernels.c", "native/portable_sgemm.c", "native/pool.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
