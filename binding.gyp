{
  "targets": [
    {
      "target_name": "adept_native",
      "sources": ["native/adept.c", "native/portable_sgemm.c"],
      "variables": { "use_openblas": "<!(node native/detect-openblas.cjs)" },
      "cflags": ["-O3", "-march=native", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math", "-std=c11"],
      "conditions": [
        ["use_openblas==1", {
          "defines": ["ADEPT_OPENBLAS=1"],
          "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
