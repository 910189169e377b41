;; word2vec / fastText training kernels in WebAssembly SIMD (f32x4), assembled by
;; scripts/build-wasm.mjs into dist/src/embed/static/word2vec.wasm and loaded by simd.ts.
;;
;; JavaScript has no SIMD, and these loops are nearly all of word2vec's and fastText's time. They
;; work on a shared memory that holds the model, so every training worker runs them on the same
;; matrices. Addresses are byte offsets into that memory; lengths are multiples of 4 floats.
;;
;;   dot(a, b, n) -> f32          sum a[i] * b[i]
;;   axpy(g, x, y, n)             y[i] += g * x[i]
;;   update(g, h, grad, out, n)   v = out[i]; grad[i] += g * v; out[i] = v + g * h[i]
;;   zero(p, n)                   p[i] = 0
;;
;; plus the sentence kernel (configure, sentence, example, examples), which runs the whole
;; negative-sampling loop of a sentence here.
;;
;; Every result must stay bit-identical to kernels.ts's per-example path (test/golden/kernels):
;; the order of additions, where f64 arithmetic is rounded to f32 and the random draws are part
;; of the contract. Change them only together with the golden vectors.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---- state of the sentence kernel, set once per worker by configure -----------------------
  (global $input (mut i32) (i32.const 0))            ;; input matrix (V x dim f32)
  (global $output (mut i32) (i32.const 0))           ;; output matrix for negative sampling
  (global $dim (mut i32) (i32.const 0))
  (global $rowBytes (mut i32) (i32.const 0))         ;; dim * 4
  (global $aliasProbability (mut i32) (i32.const 0)) ;; alias table: f32 per word
  (global $alias (mut i32) (i32.const 0))            ;; alias table: i32 per word
  (global $vocabSize (mut i32) (i32.const 0))
  (global $sigmoid (mut i32) (i32.const 0))          ;; sigmoid table (1001 f32)
  (global $negLogSigmoid (mut i32) (i32.const 0))    ;; -log sigmoid table (1001 f32)
  (global $hidden (mut i32) (i32.const 0))           ;; dim f32 scratch (CBOW mean)
  (global $gradient (mut i32) (i32.const 0))         ;; dim f32 scratch
  (global $rows (mut i32) (i32.const 0))             ;; 2 * window i32 scratch: context rows
  (global $rngState (mut i32) (i32.const 0))         ;; one u32, shared with random.ts's Lcg
  (global $window (mut i32) (i32.const 0))
  (global $negative (mut i32) (i32.const 0))
  (global $cbow (mut i32) (i32.const 0))
  (global $alpha (mut f64) (f64.const 0))            ;; learning rate of the current sentence
  (global $examples (mut i32) (i32.const 0))         ;; examples trained since examples()
  (global $drawn (mut i32) (i32.const 0))            ;; negative + 1 i32: target, then negatives
  (global $sink (mut f64) (f64.const 0))             ;; keeps the prefetching loads alive
  (global $shareNegatives (mut i32) (i32.const 0))

  ;; The sigmoid table's range and size, written as literals below; exported so a test can check
  ;; them against kernels.ts's MAX_EXP and SIGMOID_TABLE_SIZE.
  (global (export "MAX_EXP") f64 (f64.const 6))
  (global (export "SIGMOID_TABLE_SIZE") i32 (i32.const 1000))

  ;; ---- vector kernels ------------------------------------------------------------------------
  ;; Each runs 16 floats a turn, with the four steps' offsets in the memory instructions instead
  ;; of a pointer update and a branch per 4 floats (about half the instructions), then 4 floats a
  ;; turn for the n % 16 rest.

  ;; Four independent sums: one would wait on the add latency every step.
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $short
      (br_if $short (i32.lt_s (local.get $n) (i32.const 16)))
      (loop $by16
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load offset=0 align=1 (local.get $a)) (v128.load offset=0 align=1 (local.get $b)))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 align=1 (local.get $a)) (v128.load offset=16 align=1 (local.get $b)))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (v128.load offset=32 align=1 (local.get $a)) (v128.load offset=32 align=1 (local.get $b)))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (v128.load offset=48 align=1 (local.get $a)) (v128.load offset=48 align=1 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $by16 (i32.ge_s (local.tee $n (i32.sub (local.get $n) (i32.const 16))) (i32.const 16)))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $by4
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load offset=0 align=1 (local.get $a)) (v128.load offset=0 align=1 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $by4 (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 4))) (i32.const 0)))))
    (local.set $s0 (f32x4.add
      (f32x4.add (local.get $s0) (local.get $s1))
      (f32x4.add (local.get $s2) (local.get $s3))))
    (f32.add
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
        (f32x4.extract_lane 2 (local.get $s0)))
      (f32x4.extract_lane 3 (local.get $s0))))

  (func $axpy (export "axpy") (param $g f32) (param $x i32) (param $y i32) (param $n i32)
    (local $gs v128)
    (local.set $gs (f32x4.splat (local.get $g)))
    (block $short
      (br_if $short (i32.lt_s (local.get $n) (i32.const 16)))
      (loop $by16
        (v128.store offset=0 align=1 (local.get $y) (f32x4.add (v128.load offset=0 align=1 (local.get $y))
          (f32x4.mul (local.get $gs) (v128.load offset=0 align=1 (local.get $x)))))
        (v128.store offset=16 align=1 (local.get $y) (f32x4.add (v128.load offset=16 align=1 (local.get $y))
          (f32x4.mul (local.get $gs) (v128.load offset=16 align=1 (local.get $x)))))
        (v128.store offset=32 align=1 (local.get $y) (f32x4.add (v128.load offset=32 align=1 (local.get $y))
          (f32x4.mul (local.get $gs) (v128.load offset=32 align=1 (local.get $x)))))
        (v128.store offset=48 align=1 (local.get $y) (f32x4.add (v128.load offset=48 align=1 (local.get $y))
          (f32x4.mul (local.get $gs) (v128.load offset=48 align=1 (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $y (i32.add (local.get $y) (i32.const 64)))
        (br_if $by16 (i32.ge_s (local.tee $n (i32.sub (local.get $n) (i32.const 16))) (i32.const 16)))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $by4
        (v128.store offset=0 align=1 (local.get $y) (f32x4.add (v128.load offset=0 align=1 (local.get $y))
          (f32x4.mul (local.get $gs) (v128.load offset=0 align=1 (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br_if $by4 (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 4))) (i32.const 0))))))

  ;; The C tool's two loops over an output row fused into one pass: the gradient takes the old
  ;; output value, the output takes the hidden vector.
  (func $update (export "update") (param $g f32) (param $h i32) (param $grad i32) (param $out i32) (param $n i32)
    (local $gs v128) (local $v v128)
    (local.set $gs (f32x4.splat (local.get $g)))
    (block $short
      (br_if $short (i32.lt_s (local.get $n) (i32.const 16)))
      (loop $by16
        (local.set $v (v128.load offset=0 align=1 (local.get $out)))
        (v128.store offset=0 align=1 (local.get $grad)
          (f32x4.add (v128.load offset=0 align=1 (local.get $grad)) (f32x4.mul (local.get $gs) (local.get $v))))
        (v128.store offset=0 align=1 (local.get $out)
          (f32x4.add (local.get $v) (f32x4.mul (local.get $gs) (v128.load offset=0 align=1 (local.get $h)))))
        (local.set $v (v128.load offset=16 align=1 (local.get $out)))
        (v128.store offset=16 align=1 (local.get $grad)
          (f32x4.add (v128.load offset=16 align=1 (local.get $grad)) (f32x4.mul (local.get $gs) (local.get $v))))
        (v128.store offset=16 align=1 (local.get $out)
          (f32x4.add (local.get $v) (f32x4.mul (local.get $gs) (v128.load offset=16 align=1 (local.get $h)))))
        (local.set $v (v128.load offset=32 align=1 (local.get $out)))
        (v128.store offset=32 align=1 (local.get $grad)
          (f32x4.add (v128.load offset=32 align=1 (local.get $grad)) (f32x4.mul (local.get $gs) (local.get $v))))
        (v128.store offset=32 align=1 (local.get $out)
          (f32x4.add (local.get $v) (f32x4.mul (local.get $gs) (v128.load offset=32 align=1 (local.get $h)))))
        (local.set $v (v128.load offset=48 align=1 (local.get $out)))
        (v128.store offset=48 align=1 (local.get $grad)
          (f32x4.add (v128.load offset=48 align=1 (local.get $grad)) (f32x4.mul (local.get $gs) (local.get $v))))
        (v128.store offset=48 align=1 (local.get $out)
          (f32x4.add (local.get $v) (f32x4.mul (local.get $gs) (v128.load offset=48 align=1 (local.get $h)))))
        (local.set $h (i32.add (local.get $h) (i32.const 64)))
        (local.set $grad (i32.add (local.get $grad) (i32.const 64)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (br_if $by16 (i32.ge_s (local.tee $n (i32.sub (local.get $n) (i32.const 16))) (i32.const 16)))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $by4
        (local.set $v (v128.load offset=0 align=1 (local.get $out)))
        (v128.store offset=0 align=1 (local.get $grad)
          (f32x4.add (v128.load offset=0 align=1 (local.get $grad)) (f32x4.mul (local.get $gs) (local.get $v))))
        (v128.store offset=0 align=1 (local.get $out)
          (f32x4.add (local.get $v) (f32x4.mul (local.get $gs) (v128.load offset=0 align=1 (local.get $h)))))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br_if $by4 (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 4))) (i32.const 0))))))

  (func $zero (export "zero") (param $p i32) (param $n i32)
    (block $short
      (br_if $short (i32.lt_s (local.get $n) (i32.const 16)))
      (loop $by16
        (v128.store offset=0 align=1 (local.get $p) (f32x4.splat (f32.const 0)))
        (v128.store offset=16 align=1 (local.get $p) (f32x4.splat (f32.const 0)))
        (v128.store offset=32 align=1 (local.get $p) (f32x4.splat (f32.const 0)))
        (v128.store offset=48 align=1 (local.get $p) (f32x4.splat (f32.const 0)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br_if $by16 (i32.ge_s (local.tee $n (i32.sub (local.get $n) (i32.const 16))) (i32.const 16)))))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $by4
        (v128.store offset=0 align=1 (local.get $p) (f32x4.splat (f32.const 0)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $by4 (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 4))) (i32.const 0))))))

  ;; ---- the sentence kernel -------------------------------------------------------------------
  ;; The whole per-sentence loop of word2vec with negative sampling (dynamic window, negatives
  ;; from the alias table, sigmoid table, dot/update/axpy) runs here, so JavaScript only hands
  ;; over a subsampled sentence: per example this saved ~14 calls across the JS/WebAssembly
  ;; boundary and the bookkeeping between them. It performs exactly the operations of
  ;; kernels.ts's trainExample (same f64 arithmetic for indices and gradients, same f32
  ;; rounding) and draws from the same random state, so the vectors are bit-identical.

  ;; random.ts's Lcg.next: state = state * 1664525 + 1013904223, then murmur3's finalizer.
  (func $next (result i32)
    (local $state i32) (local $x i32)
    (i32.store (global.get $rngState)
      (local.tee $state (i32.add (i32.mul (i32.load (global.get $rngState)) (i32.const 1664525))
        (i32.const 1013904223))))
    (local.set $x (i32.mul (i32.xor (local.get $state) (i32.shr_u (local.get $state) (i32.const 16)))
      (i32.const 0x85ebca6b)))
    (local.set $x (i32.mul (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 13)))
      (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))

  ;; Addresses and sizes the sentence kernel works on (see SimdKernels.configure in simd.ts).
  (func $configure (export "configure")
    (param $input i32) (param $output i32) (param $dim i32) (param $aliasProbability i32)
    (param $alias i32) (param $vocabSize i32) (param $sigmoid i32) (param $negLogSigmoid i32)
    (param $hidden i32) (param $gradient i32) (param $rows i32) (param $drawn i32)
    (param $rngState i32) (param $window i32) (param $negative i32) (param $cbow i32)
    (param $shareNegatives i32)
    (global.set $input (local.get $input))
    (global.set $output (local.get $output))
    (global.set $dim (local.get $dim))
    (global.set $aliasProbability (local.get $aliasProbability))
    (global.set $alias (local.get $alias))
    (global.set $vocabSize (local.get $vocabSize))
    (global.set $sigmoid (local.get $sigmoid))
    (global.set $negLogSigmoid (local.get $negLogSigmoid))
    (global.set $hidden (local.get $hidden))
    (global.set $gradient (local.get $gradient))
    (global.set $rows (local.get $rows))
    (global.set $drawn (local.get $drawn))
    (global.set $rngState (local.get $rngState))
    (global.set $window (local.get $window))
    (global.set $negative (local.get $negative))
    (global.set $cbow (local.get $cbow))
    (global.set $shareNegatives (local.get $shareNegatives))
    (global.set $rowBytes (i32.shl (global.get $dim) (i32.const 2))))

  ;; One example: hidden = mean of the `count` input rows whose word ids are listed at `rows`,
  ;; predicting `target` against the drawn negatives; the gradient goes back to every input row.
  ;; Returns the example's loss.
  (func $example (export "example") (param $rows i32) (param $count i32) (param $target i32) (result f64)
    (local $hiddenAt i32) (local $r i32) (local $k i32) (local $d i32)
    (local $word i32) (local $label i32) (local $rowAt i32) (local $idx i32)
    (local $inv f64) (local $f f64) (local $g f64) (local $loss f64)
    (if (i32.eq (local.get $count) (i32.const 1))
      (then
        ;; one row: the input row itself is the hidden vector (it changes only after the outputs,
        ;; as in the C tool)
        (local.set $hiddenAt (i32.add (global.get $input)
          (i32.mul (i32.load (local.get $rows)) (global.get $rowBytes)))))
      (else
        (local.set $hiddenAt (global.get $hidden))
        (call $zero (global.get $hidden) (global.get $dim))
        (local.set $r (i32.const 0))
        (loop $sum
          (call $axpy (f32.const 1)
            (i32.add (global.get $input)
              (i32.mul
                (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2))))
                (global.get $rowBytes)))
            (global.get $hidden) (global.get $dim))
          (br_if $sum (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $count))))
        ;; hidden[k] *= 1 / count, in f64 then rounded to f32 as the JavaScript loop does
        (local.set $inv (f64.div (f64.const 1) (f64.convert_i32_s (local.get $count))))
        (local.set $k (i32.const 0))
        (loop $scale
          (f32.store (i32.add (global.get $hidden) (i32.shl (local.get $k) (i32.const 2)))
            (f32.demote_f64 (f64.mul
              (f64.promote_f32 (f32.load (i32.add (global.get $hidden) (i32.shl (local.get $k) (i32.const 2)))))
              (local.get $inv))))
          (br_if $scale (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (global.get $dim))))))
    (call $zero (global.get $gradient) (global.get $dim))
    (if (i32.eqz (global.get $shareNegatives))
      (then (call $draw (local.get $target))))
    ;; d = 0 is the target (label 1), then the negatives (label 0; -1 marks one equal to the target)
    (local.set $d (i32.const 0))
    (loop $words
      (block $skip
        (br_if $skip (i32.lt_s
          (local.tee $word (i32.load (i32.add (global.get $drawn) (i32.shl (local.get $d) (i32.const 2)))))
          (i32.const 0)))
        (local.set $label (i32.eqz (local.get $d)))
        (local.set $rowAt (i32.add (global.get $output) (i32.mul (local.get $word) (global.get $rowBytes))))
        (local.set $f (f64.promote_f32 (call $dot (local.get $hiddenAt) (local.get $rowAt) (global.get $dim))))
        ;; MAX_EXP = 6 and SIGMOID_TABLE_SIZE = 1000, as in kernels.ts
        (if (f64.gt (local.get $f) (f64.const 6))
          (then
            (local.set $g (f64.mul (f64.convert_i32_s (i32.sub (local.get $label) (i32.const 1))) (global.get $alpha)))
            (if (i32.eqz (local.get $label))
              (then (local.set $loss (f64.add (local.get $loss)
                (f64.promote_f32 (f32.load (global.get $negLogSigmoid))))))))
          (else
            (if (f64.lt (local.get $f) (f64.const -6))
              (then
                (local.set $g (f64.mul (f64.convert_i32_s (local.get $label)) (global.get $alpha)))
                (if (local.get $label)
                  (then (local.set $loss (f64.add (local.get $loss)
                    (f64.promote_f32 (f32.load (global.get $negLogSigmoid))))))))
              (else
                ;; idx = ((f + MAX_EXP) * (SIGMOID_TABLE_SIZE / (2 * MAX_EXP)) + 0.5) | 0
                (local.set $idx (i32.trunc_f64_s
                  (f64.add (f64.mul (f64.add (local.get $f) (f64.const 6)) (f64.const 83.33333333333333))
                    (f64.const 0.5))))
                (local.set $g (f64.mul
                  (f64.sub (f64.convert_i32_s (local.get $label))
                    (f64.promote_f32 (f32.load
                      (i32.add (global.get $sigmoid) (i32.shl (local.get $idx) (i32.const 2))))))
                  (global.get $alpha)))
                ;; loss += negLogSigmoid[label ? idx : SIGMOID_TABLE_SIZE - idx]
                (local.set $loss (f64.add (local.get $loss)
                  (f64.promote_f32 (f32.load (i32.add (global.get $negLogSigmoid)
                    (i32.shl
                      (select (local.get $idx) (i32.sub (i32.const 1000) (local.get $idx)) (local.get $label))
                      (i32.const 2)))))))))))
        (call $update (f32.demote_f64 (local.get $g)) (local.get $hiddenAt) (global.get $gradient)
          (local.get $rowAt) (global.get $dim)))
      (br_if $words (i32.le_s (local.tee $d (i32.add (local.get $d) (i32.const 1))) (global.get $negative))))
    (local.set $r (i32.const 0))
    (loop $back
      (call $axpy (f32.const 1) (global.get $gradient)
        (i32.add (global.get $input)
          (i32.mul
            (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2))))
            (global.get $rowBytes)))
        (global.get $dim))
      (br_if $back (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $count))))
    (local.get $loss))

  ;; Trains one sentence of `length` word ids at `words`; returns its loss.
  (func $sentence (export "sentence") (param $words i32) (param $length i32) (param $alpha f64) (result f64)
    (local $i i32) (local $word i32) (local $reduced i32) (local $c i32) (local $to i32) (local $count i32)
    (local $loss f64)
    (global.set $alpha (local.get $alpha))
    (loop $centres
      (local.set $word (i32.load (i32.add (local.get $words) (i32.shl (local.get $i) (i32.const 2)))))
      ;; the dynamic window: context c from i - window + reduced to i + window - reduced
      (local.set $reduced (i32.rem_u (call $next) (global.get $window)))
      (local.set $c (i32.add (i32.sub (local.get $i) (global.get $window)) (local.get $reduced)))
      (local.set $to (i32.sub (i32.add (local.get $i) (global.get $window)) (local.get $reduced)))
      (if (global.get $cbow)
        (then
          ;; CBOW: one example, the mean of the context rows predicting the centre word
          (local.set $count (i32.const 0))
          (loop $context
            ;; c != i and 0 <= c < length (the unsigned compare covers c < 0)
            (if (i32.and (i32.ne (local.get $c) (local.get $i)) (i32.lt_u (local.get $c) (local.get $length)))
              (then
                (i32.store (i32.add (global.get $rows) (i32.shl (local.get $count) (i32.const 2)))
                  (i32.load (i32.add (local.get $words) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (br_if $context (i32.le_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $to))))
          (if (i32.eqz (i32.eqz (local.get $count)))
            (then
              (local.set $loss (f64.add (local.get $loss)
                (call $example (global.get $rows) (local.get $count) (local.get $word))))
              (global.set $examples (i32.add (global.get $examples) (i32.const 1))))))
        (else
          ;; skip-gram: one example per context word, predicting the centre word
          (if (global.get $shareNegatives)
            (then (call $draw (local.get $word))))
          (loop $context
            (if (i32.and (i32.ne (local.get $c) (local.get $i)) (i32.lt_u (local.get $c) (local.get $length)))
              (then
                (i32.store (global.get $rows)
                  (i32.load (i32.add (local.get $words) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $loss (f64.add (local.get $loss)
                  (call $example (global.get $rows) (i32.const 1) (local.get $word))))
                (global.set $examples (i32.add (global.get $examples) (i32.const 1)))))
            (br_if $context (i32.le_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $to))))))
      (br_if $centres (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $length))))
    (local.get $loss))

  ;; Examples trained by sentence since the last call.
  (func $examples (export "examples") (result i32)
    (global.get $examples)
    (global.set $examples (i32.const 0)))

  ;; Fills `drawn` with the target and `negative` words from the alias table (two random draws
  ;; each; a word equal to the target becomes -1, skipped).
  (func $draw (param $target i32)
    (local $d i32) (local $word i32) (local $rowAt i32) (local $k i32) (local $f f64)
    ;; Draw all negatives first (the same draws in the same order as drawing each in turn) and
    ;; touch their output rows every 128 bytes (the adjacent-line prefetcher brings the other
    ;; 64-byte line of each pair; touching every line measured the same): the rows are scattered
    ;; over the matrix and each is a cache miss; touched together the misses overlap instead of
    ;; each stalling its own dot product.
    (i32.store (global.get $drawn) (local.get $target))
    (local.set $d (i32.const 1))
    (block $none
      (br_if $none (i32.eqz (global.get $negative)))
      (loop $draws
        (local.set $word (i32.rem_u (call $next) (global.get $vocabSize)))
        ;; random / 2^32 >= aliasProbability[word]: take the alias
        (if (f64.ge (f64.mul (f64.convert_i32_u (call $next)) (f64.const 0x1p-32))
              (f64.promote_f32 (f32.load
                (i32.add (global.get $aliasProbability) (i32.shl (local.get $word) (i32.const 2))))))
          (then (local.set $word (i32.load
            (i32.add (global.get $alias) (i32.shl (local.get $word) (i32.const 2)))))))
        (i32.store (i32.add (global.get $drawn) (i32.shl (local.get $d) (i32.const 2)))
          (select (i32.const -1) (local.get $word) (i32.eq (local.get $word) (local.get $target))))
        (br_if $draws (i32.le_s (local.tee $d (i32.add (local.get $d) (i32.const 1))) (global.get $negative)))))
    (local.set $f (f64.const 0))
    (local.set $d (i32.const 0))
    (loop $touch
      (local.set $word (i32.load (i32.add (global.get $drawn) (i32.shl (local.get $d) (i32.const 2)))))
      (if (i32.ge_s (local.get $word) (i32.const 0))
        (then
          (local.set $rowAt (i32.add (global.get $output) (i32.mul (local.get $word) (global.get $rowBytes))))
          (local.set $k (i32.const 0))
          (loop $lines
            (local.set $f (f64.add (local.get $f)
              (f64.promote_f32 (f32.load (i32.add (local.get $rowAt) (local.get $k))))))
            (br_if $lines (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 128))) (global.get $rowBytes))))))
      (br_if $touch (i32.le_s (local.tee $d (i32.add (local.get $d) (i32.const 1))) (global.get $negative))))
    (global.set $sink (local.get $f)))
)
