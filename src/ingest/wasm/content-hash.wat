;; Whitespace-insensitive 64-bit content hash (FNV-1a 64 + fmix64) over UTF-8 bytes (see ../content-hash.ts for the
;; JavaScript reference it must match). Input bytes at [16, 16 + len); the two 32-bit halves are
;; written to memory at 0 (hi) and 4 (lo). Whitespace is what JavaScript's \s matches.
(module
  (memory (export "memory") 1)

  ;; Length in bytes of the whitespace character starting at $i (0 when it is not whitespace).
  (func $space (param $i i32) (param $end i32) (result i32)
    (local $c i32) (local $d i32) (local $e i32)
    (local.set $c (i32.load8_u offset=16 (local.get $i)))
    (if (i32.le_u (local.get $c) (i32.const 0x20))
      (then
        (return (i32.or
          (i32.eq (local.get $c) (i32.const 0x20))
          (i32.le_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 4))))))
    (if (i32.lt_u (local.get $c) (i32.const 0xc2)) (then (return (i32.const 0))))
    (if (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $end)) (then (return (i32.const 0))))
    (local.set $d (i32.load8_u offset=17 (local.get $i)))
    (if (i32.eq (local.get $c) (i32.const 0xc2))
      (then (return (select (i32.const 2) (i32.const 0) (i32.eq (local.get $d) (i32.const 0xa0))))))
    (if (i32.ge_u (i32.add (local.get $i) (i32.const 2)) (local.get $end)) (then (return (i32.const 0))))
    (local.set $e (i32.load8_u offset=18 (local.get $i)))
    (if (i32.eq (local.get $c) (i32.const 0xe2))
      (then
        (if (i32.eq (local.get $d) (i32.const 0x80))
          (then
            (return (select (i32.const 3) (i32.const 0)
              (i32.or
                (i32.le_u (i32.sub (local.get $e) (i32.const 0x80)) (i32.const 0x0a))
                (i32.or
                  (i32.le_u (i32.sub (local.get $e) (i32.const 0xa8)) (i32.const 1))
                  (i32.eq (local.get $e) (i32.const 0xaf))))))))
        (return (select (i32.const 3) (i32.const 0)
          (i32.and (i32.eq (local.get $d) (i32.const 0x81)) (i32.eq (local.get $e) (i32.const 0x9f)))))))
    (if (i32.eq (local.get $c) (i32.const 0xe1))
      (then (return (select (i32.const 3) (i32.const 0)
        (i32.and (i32.eq (local.get $d) (i32.const 0x9a)) (i32.eq (local.get $e) (i32.const 0x80)))))))
    (if (i32.eq (local.get $c) (i32.const 0xe3))
      (then (return (select (i32.const 3) (i32.const 0)
        (i32.and (i32.eq (local.get $d) (i32.const 0x80)) (i32.eq (local.get $e) (i32.const 0x80)))))))
    (if (i32.eq (local.get $c) (i32.const 0xef))
      (then (return (select (i32.const 3) (i32.const 0)
        (i32.and (i32.eq (local.get $d) (i32.const 0xbb)) (i32.eq (local.get $e) (i32.const 0xbf)))))))
    (i32.const 0))

  ;; 64-bit FNV-1a over the non-whitespace bytes, finished with murmur3's fmix64 (one multiply per
  ;; byte: the per-byte latency chain is what bounds this loop).
  (func (export "hash") (param $len i32)
    (local $i i32) (local $c i32) (local $skip i32) (local $h i64)
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u offset=16 (local.get $i)))
        ;; Fast path: printable ASCII is never whitespace.
        (if (i32.and (i32.gt_u (local.get $c) (i32.const 0x20)) (i32.lt_u (local.get $c) (i32.const 0xc2)))
          (then
            (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $c))) (i64.const 0x100000001b3)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (local.set $skip (call $space (local.get $i) (local.get $len)))
        (if (local.get $skip)
          (then
            (local.set $i (i32.add (local.get $i) (local.get $skip)))
            (br $next)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.extend_i32_u (local.get $c))) (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; fmix64
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xff51afd7ed558ccd)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xc4ceb9fe1a85ec53)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (i32.store (i32.const 0) (i32.wrap_i64 (i64.shr_u (local.get $h) (i64.const 32))))
    (i32.store (i32.const 4) (i32.wrap_i64 (local.get $h))))
)
