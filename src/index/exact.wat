;; Exact vector search kernels in WebAssembly SIMD (f32x4), assembled by scripts/build-wasm.mjs
;; into dist/src/index/exact.wasm and driven by exact-kernels.ts.
;;
;; A search is a matrix product, scores[query][row], in which every score is compared with its
;; query's current top-k threshold as soon as it is computed: only the (query, row, score) triples
;; above it are written out, so JavaScript touches a few hundred candidates per query instead of
;; every row, and no matrix of scores goes through memory.
;;
;; Layout. Rows are stored in blocks of 16, interleaved by dimension: a block holds dimension 0 of
;; its 16 rows, then dimension 1, ... (64 bytes a dimension in f32), so four 16-byte loads at fixed
;; offsets from one pointer give one dimension of all 16 rows and each multiply-add advances four
;; scores, with no horizontal sums at the end. Queries are stored in pairs the same way (8 bytes a
;; dimension: query 0, query 1). The product runs two queries against one block at a time: eight
;; accumulators, each loaded row vector used twice and each broadcast query value four times —
;; the most that V8 keeps in the 16 SIMD registers without spilling (measured: larger tiles spill
;; and run slower).
;;
;; f16 blocks (2 bytes a value) and i8 blocks (the 16 rows' f32 scales, then 1 byte a value) are
;; decoded one block at a time into an f32 block and scored from there, so decoding is paid once
;; per block and group of queries, not once per query.
;;
;; Every score is one sum in one order — dimensions 0, 1, 2, ... accumulated in f32 — whichever
;; function computes it, so a row scores the same alone or in a batch, on any thread; the
;; JavaScript fallback in exact-kernels.ts follows the same order and gives the same bits.
;;
;; The line below makes scripts/build-wasm.mjs also assemble exact-fused.wasm, in which every
;; multiply-then-add is one fused multiply-add (relaxed SIMD: one rounding instead of two, and
;; about 28% faster); exact-kernels.ts loads that one where the engine can run it.
;; @variant fused

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Where $emit appends candidates, and how many it has appended since $search began.
  (global $cursor (mut i32) (i32.const 0))
  (global $found (mut i32) (i32.const 0))

  ;; Scores `nq` queries (in pairs at q, pairBytes apart) against `blocks` blocks of 16 rows at x
  ;; (`dims` dimensions each, storedBytes apart; kind 0 f32, 1 f16, 2 i8, the latter two decoded
  ;; into `buffer` first), whose rows are numbered from `base` and of which the first `valid` are
  ;; real. Every score above its query's threshold (f32 at thresholds + 4 * query) is appended to
  ;; `candidates` as (query i32, row i32, score f32); returns how many. With $l2 set the score is
  ;; minus the Euclidean distance instead of the dot product. `scratch`: 128 bytes for $emit.
  (func $search (export "search")
    (param $q i32) (param $nq i32) (param $pairBytes i32) (param $x i32) (param $blocks i32)
    (param $dims i32) (param $l2 i32) (param $kind i32) (param $storedBytes i32) (param $buffer i32)
    (param $thresholds i32) (param $base i32) (param $valid i32) (param $candidates i32)
    (param $scratch i32) (result i32)
    (local $b i32) (local $i i32) (local $qAt i32) (local $rows i32)
    (global.set $cursor (local.get $candidates))
    (global.set $found (i32.const 0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $blocks)))
        (local.set $rows (local.get $x))
        (if (i32.eq (local.get $kind) (i32.const 1))
          (then
            (call $decodeF16 (local.get $x) (local.get $dims) (local.get $buffer))
            (local.set $rows (local.get $buffer))))
        (if (i32.eq (local.get $kind) (i32.const 2))
          (then
            (call $decodeI8 (local.get $x) (local.get $dims) (local.get $buffer))
            (local.set $rows (local.get $buffer))))
        (local.set $i (i32.const 0))
        (local.set $qAt (local.get $q))
        (if (local.get $l2)
          (then
            ;; Euclidean (rare: the store compares unit vectors by dot product): a query at a time
            (block $l2Done
              (loop $l2Queries
                (br_if $l2Done (i32.ge_s (local.get $i) (local.get $nq)))
                (call $l2One
                  (i32.add (local.get $qAt) (i32.shl (i32.and (local.get $i) (i32.const 1)) (i32.const 2)))
                  (local.get $rows) (local.get $dims) (local.get $i) (local.get $base) (local.get $valid)
                  (local.get $scratch) (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))))
                ;; the next pair after the second query of this one
                (local.set $qAt (i32.add (local.get $qAt)
                  (i32.mul (i32.and (local.get $i) (i32.const 1)) (local.get $pairBytes))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l2Queries))))
          (else
            (block $pairsDone
              (loop $pairs
                (br_if $pairsDone (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $nq)))
                (call $dotPair (local.get $qAt) (local.get $rows) (local.get $dims) (local.get $i)
                  (local.get $base) (local.get $valid) (local.get $scratch)
                  (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))))
                (local.set $qAt (i32.add (local.get $qAt) (local.get $pairBytes)))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $pairs)))
            ;; an odd query out (or a single query): the first of its pair
            (if (i32.lt_s (local.get $i) (local.get $nq))
              (then
                (call $dotOne (local.get $qAt) (local.get $rows) (local.get $dims) (local.get $i)
                  (local.get $base) (local.get $valid) (local.get $scratch)
                  (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $x (i32.add (local.get $x) (local.get $storedBytes)))
        (local.set $base (i32.add (local.get $base) (i32.const 16)))
        (local.set $valid (i32.sub (local.get $valid) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks)))
    (global.get $found))

  ;; A pair of queries (at q: 8 bytes a dimension) against one block of 16 rows (at x: 64 bytes a
  ;; dimension); every score above its query's threshold goes to the candidates.
  (func $dotPair (param $q i32) (param $x i32) (param $dims i32) (param $query i32) (param $row i32)
    (param $valid i32) (param $scratch i32) (param $threshold i32)
    (local $end i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $w0 v128) (local $w1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims) (i32.const 6))))
    (loop $dim
      (local.set $v0 (v128.load offset=0 (local.get $x)))
      (local.set $v1 (v128.load offset=16 (local.get $x)))
      (local.set $v2 (v128.load offset=32 (local.get $x)))
      (local.set $v3 (v128.load offset=48 (local.get $x)))
      (local.set $w0 (v128.load32_splat offset=0 (local.get $q)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $v0))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $v1))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $v2))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (local.get $v3))))
      (local.set $w1 (v128.load32_splat offset=4 (local.get $q)))
      (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w1) (local.get $v0))))
      (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w1) (local.get $v1))))
      (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w1) (local.get $v2))))
      (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w1) (local.get $v3))))
      (local.set $q (i32.add (local.get $q) (i32.const 8)))
      (br_if $dim (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 64))) (local.get $end))))
    ;; The scores go to `scratch` and are checked against the thresholds there; the rare block
    ;; with a score above goes to $emit. (Storing them all first measured faster: a vector still
    ;; live at a branch or call made V8 spill it to the stack on every turn of the loop above.)
    (v128.store offset=0 (local.get $scratch) (local.get $a0))
    (v128.store offset=16 (local.get $scratch) (local.get $a1))
    (v128.store offset=32 (local.get $scratch) (local.get $a2))
    (v128.store offset=48 (local.get $scratch) (local.get $a3))
    (v128.store offset=64 (local.get $scratch) (local.get $b0))
    (v128.store offset=80 (local.get $scratch) (local.get $b1))
    (v128.store offset=96 (local.get $scratch) (local.get $b2))
    (v128.store offset=112 (local.get $scratch) (local.get $b3))
    (if (call $above (local.get $scratch) (local.get $threshold))
      (then (call $emit (local.get $query) (local.get $row) (local.get $valid) (local.get $scratch)
        (local.get $threshold))))
    (if (call $above (i32.add (local.get $scratch) (i32.const 64)) (i32.add (local.get $threshold) (i32.const 4)))
      (then (call $emit (i32.add (local.get $query) (i32.const 1)) (local.get $row) (local.get $valid)
        (i32.add (local.get $scratch) (i32.const 64)) (i32.add (local.get $threshold) (i32.const 4))))))

  ;; One query (at q, 8 bytes a dimension: the first of a pair) against one block; two dimensions
  ;; a turn (dims is even), each accumulator still summing its dimensions in order.
  (func $dotOne (param $q i32) (param $x i32) (param $dims i32) (param $query i32) (param $row i32)
    (param $valid i32) (param $scratch i32) (param $threshold i32)
    (local $end i32) (local $w0 v128) (local $w1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims) (i32.const 6))))
    (loop $dim
      (local.set $w0 (v128.load32_splat offset=0 (local.get $q)))
      (local.set $w1 (v128.load32_splat offset=8 (local.get $q)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (v128.load offset=0 (local.get $x)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (v128.load offset=16 (local.get $x)))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (v128.load offset=32 (local.get $x)))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (v128.load offset=48 (local.get $x)))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w1) (v128.load offset=64 (local.get $x)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w1) (v128.load offset=80 (local.get $x)))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w1) (v128.load offset=96 (local.get $x)))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w1) (v128.load offset=112 (local.get $x)))))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br_if $dim (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 128))) (local.get $end))))
    (v128.store offset=0 (local.get $scratch) (local.get $a0))
    (v128.store offset=16 (local.get $scratch) (local.get $a1))
    (v128.store offset=32 (local.get $scratch) (local.get $a2))
    (v128.store offset=48 (local.get $scratch) (local.get $a3))
    (if (call $above (local.get $scratch) (local.get $threshold))
      (then (call $emit (local.get $query) (local.get $row) (local.get $valid) (local.get $scratch)
        (local.get $threshold)))))

  ;; Minus the Euclidean distance of one query (at q, 8 bytes a dimension) to the rows of a block.
  (func $l2One (param $q i32) (param $x i32) (param $dims i32) (param $query i32) (param $row i32)
    (param $valid i32) (param $scratch i32) (param $threshold i32)
    (local $end i32) (local $w v128) (local $t v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims) (i32.const 6))))
    (loop $dim
      (local.set $w (v128.load32_splat (local.get $q)))
      (local.set $t (f32x4.sub (local.get $w) (v128.load offset=0 (local.get $x))))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $t) (local.get $t))))
      (local.set $t (f32x4.sub (local.get $w) (v128.load offset=16 (local.get $x))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $t) (local.get $t))))
      (local.set $t (f32x4.sub (local.get $w) (v128.load offset=32 (local.get $x))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $t) (local.get $t))))
      (local.set $t (f32x4.sub (local.get $w) (v128.load offset=48 (local.get $x))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $t) (local.get $t))))
      (local.set $q (i32.add (local.get $q) (i32.const 8)))
      (br_if $dim (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 64))) (local.get $end))))
    ;; every block goes to $emit (the Euclidean path is rare; no inline check)
    (v128.store offset=0 (local.get $scratch) (f32x4.neg (f32x4.sqrt (local.get $a0))))
    (v128.store offset=16 (local.get $scratch) (f32x4.neg (f32x4.sqrt (local.get $a1))))
    (v128.store offset=32 (local.get $scratch) (f32x4.neg (f32x4.sqrt (local.get $a2))))
    (v128.store offset=48 (local.get $scratch) (f32x4.neg (f32x4.sqrt (local.get $a3))))
    (call $emit (local.get $query) (local.get $row) (local.get $valid) (local.get $scratch) (local.get $threshold)))

  ;; Whether any of the 16 scores at `scores` is above the threshold (f32 at `threshold`).
  (func $above (param $scores i32) (param $threshold i32) (result i32)
    (local $t v128)
    (local.set $t (v128.load32_splat (local.get $threshold)))
    (v128.any_true (v128.or
      (v128.or (f32x4.gt (v128.load offset=0 (local.get $scores)) (local.get $t))
        (f32x4.gt (v128.load offset=16 (local.get $scores)) (local.get $t)))
      (v128.or (f32x4.gt (v128.load offset=32 (local.get $scores)) (local.get $t))
        (f32x4.gt (v128.load offset=48 (local.get $scores)) (local.get $t))))))

    ;; Appends (query, row + lane, score) for each of the 16 scores at `scores` above the threshold
  ;; (f32 at `threshold`), among the first `valid`.
  (func $emit (param $query i32) (param $row i32) (param $valid i32) (param $scores i32) (param $threshold i32)
    (local $t f32) (local $l i32) (local $s f32)
    (local.set $t (f32.load (local.get $threshold)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_s (local.get $l) (local.get $valid)))
        (local.set $s (f32.load (i32.add (local.get $scores) (i32.shl (local.get $l) (i32.const 2)))))
        (if (f32.gt (local.get $s) (local.get $t))
          (then
            (i32.store (global.get $cursor) (local.get $query))
            (i32.store offset=4 (global.get $cursor) (i32.add (local.get $row) (local.get $l)))
            (f32.store offset=8 (global.get $cursor) (local.get $s))
            (global.set $cursor (i32.add (global.get $cursor) (i32.const 12)))
            (global.set $found (i32.add (global.get $found) (i32.const 1)))))
        (br_if $lanes (i32.lt_u (local.tee $l (i32.add (local.get $l) (i32.const 1))) (i32.const 16))))))

  ;; @fused only {
  ;; ---- the int8 pre-filter (relaxed SIMD: only in exact-fused.wasm) ------------------------------
  ;;
  ;; An index built with the pre-filter keeps, for each stored block, a code block in a region of
  ;; its own (so that scanning the codes reads memory in sequence): a header and the rows as int8
  ;; codes: row r as codes c (|c| <= 127) times one scale s_r (max|x| / 127), and for each
  ;; row  -64 * sum(c) (i32), s_r, A_r = s_r * |c| and B_r = |x - s_r c| + kappa * |x| (f32, rounded
  ;; up; kappa covers the f32 rounding of the exact score), 64 bytes each for the 16 rows; then the
  ;; codes, 4 dimensions at a time: bytes 4j..4j+3 of each 64 are dimensions 4d..4d+3 of row j,
  ;; so one i32x4.relaxed_dot_i8x16_i7x16_add_s against a broadcast of 4 query codes adds 4
  ;; products to each of 4 rows' sums (16 multiplies an instruction, against 4 for f32x4).
  ;;
  ;; A query q is quantized the same way to u (|u| <= 63) times t and stored biased as u + 64 in
  ;; [1, 127]: the relaxed dot's second operand must stay within 7 bits unsigned (beyond, engines
  ;; may read it as signed or unsigned); the sums start at -64 * sum(c), which takes the bias off.
  ;; With D = u.c, e = q - t u and q.x = s_r t D + s_r c.e + q.(x - s_r c), Cauchy-Schwarz gives
  ;;   q.x <= s_r t D + A_r |e| + B_r |q|   (+ the f32 rounding of this sum, in the query terms)
  ;; so a row whose bound is not above its query's threshold cannot enter the top k. A block in
  ;; which any row's bound is above is scored exactly by $dotPair / $dotOne, the very functions
  ;; $search uses, which append the same candidates $search would: the pre-filtered search returns
  ;; the same rows and scores, only sooner. Per query, at `params` + 16 * query: t, |e| and |q|
  ;; (rounded up, with the bound's own rounding folded in) and an absolute margin for underflow.

  ;; Rows bounded above their thresholds so far (pre-filter statistics); reset by $survivors.
  (global $survivors (mut i32) (i32.const 0))
  (func (export "survivors") (result i32)
    (local $n i32)
    (local.set $n (global.get $survivors))
    (global.set $survivors (i32.const 0))
    (local.get $n))

  ;; $search with the pre-filter: the same arguments for the exact pass (kind 0 f32 or 1 f16, dot
  ;; product only), plus `codes` (the first block's code block: 256 bytes of header, then the
  ;; codes; 256 + 16 * dims4 bytes a block), `qcodes` (the biased query codes in pairs, 8 bytes
  ;; per 4 dimensions, 2 * dims4 bytes a pair), `params` (16 bytes a query) and `dims4`
  ;; (dimensions rounded up to 4).
  (func $searchPrefiltered (export "searchPrefiltered")
    (param $q i32) (param $nq i32) (param $pairBytes i32) (param $x i32) (param $blocks i32)
    (param $dims i32) (param $kind i32) (param $storedBytes i32) (param $buffer i32)
    (param $thresholds i32) (param $base i32) (param $valid i32) (param $candidates i32)
    (param $scratch i32) (param $codes i32) (param $qcodes i32) (param $params i32) (param $dims4 i32)
    (result i32)
    (local $b i32) (local $i i32) (local $qAt i32) (local $cAt i32) (local $rows i32) (local $decoded i32)
    (local $codePairBytes i32) (local $codeBytes i32) (local $which i32)
    (local.set $codePairBytes (i32.shl (local.get $dims4) (i32.const 1)))
    (local.set $codeBytes (i32.add (i32.const 256) (i32.shl (local.get $dims4) (i32.const 4))))
    (global.set $cursor (local.get $candidates))
    (global.set $found (i32.const 0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $blocks)))
        (local.set $rows (local.get $x))
        (local.set $decoded (i32.eqz (local.get $kind)))
        (local.set $i (i32.const 0))
        (local.set $qAt (local.get $q))
        (local.set $cAt (local.get $qcodes))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $nq)))
            (local.set $which (call $boundPair (local.get $cAt) (local.get $codes)
              (local.get $dims4) (i32.add (local.get $params) (i32.shl (local.get $i) (i32.const 4)))
              (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))) (local.get $scratch)))
            (if (local.get $which)
              (then
                ;; an f16 block is decoded once, when the first pair needs its exact scores
                (if (i32.eqz (local.get $decoded))
                  (then
                    (call $decodeF16 (local.get $x) (local.get $dims) (local.get $buffer))
                    (local.set $rows (local.get $buffer))
                    (local.set $decoded (i32.const 1))))
                ;; both queries, or the one that needs it ($dotOne: the same sums, the same bits)
                (if (i32.eq (local.get $which) (i32.const 3))
                  (then
                    (call $dotPair (local.get $qAt) (local.get $rows) (local.get $dims) (local.get $i)
                      (local.get $base) (local.get $valid) (local.get $scratch)
                      (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2)))))
                  (else
                    (local.set $which (i32.shr_u (local.get $which) (i32.const 1)))
                    (call $dotOne (i32.add (local.get $qAt) (i32.shl (local.get $which) (i32.const 2)))
                      (local.get $rows) (local.get $dims) (i32.add (local.get $i) (local.get $which))
                      (local.get $base) (local.get $valid) (local.get $scratch)
                      (i32.add (local.get $thresholds)
                        (i32.shl (i32.add (local.get $i) (local.get $which)) (i32.const 2))))))))
            (local.set $qAt (i32.add (local.get $qAt) (local.get $pairBytes)))
            (local.set $cAt (i32.add (local.get $cAt) (local.get $codePairBytes)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_s (local.get $i) (local.get $nq))
          (then
            (if (call $boundOne (local.get $cAt) (local.get $codes)
                  (local.get $dims4) (i32.add (local.get $params) (i32.shl (local.get $i) (i32.const 4)))
                  (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))) (local.get $scratch))
              (then
                (if (i32.eqz (local.get $decoded))
                  (then
                    (call $decodeF16 (local.get $x) (local.get $dims) (local.get $buffer))
                    (local.set $rows (local.get $buffer))))
                (call $dotOne (local.get $qAt) (local.get $rows) (local.get $dims) (local.get $i)
                  (local.get $base) (local.get $valid) (local.get $scratch)
                  (i32.add (local.get $thresholds) (i32.shl (local.get $i) (i32.const 2))))))))
        (local.set $x (i32.add (local.get $x) (local.get $storedBytes)))
        (local.set $codes (i32.add (local.get $codes) (local.get $codeBytes)))
        (local.set $base (i32.add (local.get $base) (i32.const 16)))
        (local.set $valid (i32.sub (local.get $valid) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks)))
    (global.get $found))

  ;; Which queries of a pair (codes at c, 8 bytes per 4 dimensions; parameters at p, thresholds
  ;; at th) some row of the block (header at h) may score above: bit 0 the first, bit 1 the
  ;; second. The integer dots of the pair, then their bounds. Same register tile as $dotPair.
  (func $boundPair (param $c i32) (param $h i32) (param $dims4 i32) (param $p i32) (param $th i32)
    (param $scratch i32) (result i32)
    (local $x i32) (local $end i32) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $w0 v128) (local $w1 v128) (local $ones v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    ;; the sums start at -64 * sum(c): the query codes' bias taken off
    (local.set $a0 (v128.load offset=0 (local.get $h)))
    (local.set $a1 (v128.load offset=16 (local.get $h)))
    (local.set $a2 (v128.load offset=32 (local.get $h)))
    (local.set $a3 (v128.load offset=48 (local.get $h)))
    (local.set $b0 (local.get $a0))
    (local.set $b1 (local.get $a1))
    (local.set $b2 (local.get $a2))
    (local.set $b3 (local.get $a3))
    (local.set $ones (i16x8.splat (i32.const 1)))
    (local.set $x (i32.add (local.get $h) (i32.const 256)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims4) (i32.const 4))))
    (loop $dim
      (local.set $v0 (v128.load offset=0 (local.get $x)))
      (local.set $v1 (v128.load offset=16 (local.get $x)))
      (local.set $v2 (v128.load offset=32 (local.get $x)))
      (local.set $v3 (v128.load offset=48 (local.get $x)))
      (local.set $w0 (v128.load32_splat offset=0 (local.get $c)))
      (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w0)) (local.get $ones))))
      (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w0)) (local.get $ones))))
      (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v2) (local.get $w0)) (local.get $ones))))
      (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v3) (local.get $w0)) (local.get $ones))))
      (local.set $w1 (v128.load32_splat offset=4 (local.get $c)))
      (local.set $b0 (i32x4.add (local.get $b0) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v0) (local.get $w1)) (local.get $ones))))
      (local.set $b1 (i32x4.add (local.get $b1) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v1) (local.get $w1)) (local.get $ones))))
      (local.set $b2 (i32x4.add (local.get $b2) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v2) (local.get $w1)) (local.get $ones))))
      (local.set $b3 (i32x4.add (local.get $b3) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v3) (local.get $w1)) (local.get $ones))))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (br_if $dim (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 64))) (local.get $end))))
    (v128.store offset=0 (local.get $scratch) (local.get $a0))
    (v128.store offset=16 (local.get $scratch) (local.get $a1))
    (v128.store offset=32 (local.get $scratch) (local.get $a2))
    (v128.store offset=48 (local.get $scratch) (local.get $a3))
    (v128.store offset=64 (local.get $scratch) (local.get $b0))
    (v128.store offset=80 (local.get $scratch) (local.get $b1))
    (v128.store offset=96 (local.get $scratch) (local.get $b2))
    (v128.store offset=112 (local.get $scratch) (local.get $b3))
    (i32.or
      (call $bounded (local.get $scratch) (local.get $h) (local.get $p) (local.get $th))
      (i32.shl
        (call $bounded (i32.add (local.get $scratch) (i32.const 64)) (local.get $h)
          (i32.add (local.get $p) (i32.const 16)) (i32.add (local.get $th) (i32.const 4)))
        (i32.const 1))))

  ;; $boundPair for one query (the first of a pair at c).
  (func $boundOne (param $c i32) (param $h i32) (param $dims4 i32) (param $p i32) (param $th i32)
    (param $scratch i32) (result i32)
    (local $x i32) (local $end i32) (local $w0 v128) (local $ones v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $a0 (v128.load offset=0 (local.get $h)))
    (local.set $a1 (v128.load offset=16 (local.get $h)))
    (local.set $a2 (v128.load offset=32 (local.get $h)))
    (local.set $a3 (v128.load offset=48 (local.get $h)))
    (local.set $ones (i16x8.splat (i32.const 1)))
    (local.set $x (i32.add (local.get $h) (i32.const 256)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims4) (i32.const 4))))
    (loop $dim
      (local.set $w0 (v128.load32_splat offset=0 (local.get $c)))
      (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=0 (local.get $x)) (local.get $w0)) (local.get $ones))))
      (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=16 (local.get $x)) (local.get $w0)) (local.get $ones))))
      (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=32 (local.get $x)) (local.get $w0)) (local.get $ones))))
      (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (i16x8.relaxed_dot_i8x16_i7x16_s (v128.load offset=48 (local.get $x)) (local.get $w0)) (local.get $ones))))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (br_if $dim (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 64))) (local.get $end))))
    (v128.store offset=0 (local.get $scratch) (local.get $a0))
    (v128.store offset=16 (local.get $scratch) (local.get $a1))
    (v128.store offset=32 (local.get $scratch) (local.get $a2))
    (v128.store offset=48 (local.get $scratch) (local.get $a3))
    (call $bounded (local.get $scratch) (local.get $h) (local.get $p) (local.get $th)))

  ;; Whether any of 16 rows' bounds  s_r t D + (A_r |e| + (B_r |q| + margin))  is above the
  ;; threshold (f32 at th), D the 16 integer dots at d, the rows' header at h, the query's t, |e|,
  ;; |q| and margin at p. Counts the rows that are in $survivors.
  (func $bounded (param $d i32) (param $h i32) (param $p i32) (param $th i32) (result i32)
    (local $t v128) (local $e v128) (local $n v128) (local $m v128) (local $limit v128)
    (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128)
    (local.set $t (v128.load32_splat offset=0 (local.get $p)))
    (local.set $e (v128.load32_splat offset=4 (local.get $p)))
    (local.set $n (v128.load32_splat offset=8 (local.get $p)))
    (local.set $m (v128.load32_splat offset=12 (local.get $p)))
    (local.set $limit (v128.load32_splat (local.get $th)))
    (local.set $o0 (f32x4.gt (f32x4.add
      (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=0 (local.get $d)))
        (f32x4.mul (v128.load offset=64 (local.get $h)) (local.get $t)))
      (f32x4.add (f32x4.mul (v128.load offset=128 (local.get $h)) (local.get $e))
        (f32x4.add (f32x4.mul (v128.load offset=192 (local.get $h)) (local.get $n)) (local.get $m))))
      (local.get $limit)))
    (local.set $o1 (f32x4.gt (f32x4.add
      (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=16 (local.get $d)))
        (f32x4.mul (v128.load offset=80 (local.get $h)) (local.get $t)))
      (f32x4.add (f32x4.mul (v128.load offset=144 (local.get $h)) (local.get $e))
        (f32x4.add (f32x4.mul (v128.load offset=208 (local.get $h)) (local.get $n)) (local.get $m))))
      (local.get $limit)))
    (local.set $o2 (f32x4.gt (f32x4.add
      (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=32 (local.get $d)))
        (f32x4.mul (v128.load offset=96 (local.get $h)) (local.get $t)))
      (f32x4.add (f32x4.mul (v128.load offset=160 (local.get $h)) (local.get $e))
        (f32x4.add (f32x4.mul (v128.load offset=224 (local.get $h)) (local.get $n)) (local.get $m))))
      (local.get $limit)))
    (local.set $o3 (f32x4.gt (f32x4.add
      (f32x4.mul (f32x4.convert_i32x4_s (v128.load offset=48 (local.get $d)))
        (f32x4.mul (v128.load offset=112 (local.get $h)) (local.get $t)))
      (f32x4.add (f32x4.mul (v128.load offset=176 (local.get $h)) (local.get $e))
        (f32x4.add (f32x4.mul (v128.load offset=240 (local.get $h)) (local.get $n)) (local.get $m))))
      (local.get $limit)))
    (if (result i32) (v128.any_true (v128.or (v128.or (local.get $o0) (local.get $o1))
                                            (v128.or (local.get $o2) (local.get $o3))))
      (then
        (global.set $survivors (i32.add (global.get $survivors) (i32.add
          (i32.add (i32.popcnt (i32x4.bitmask (local.get $o0))) (i32.popcnt (i32x4.bitmask (local.get $o1))))
          (i32.add (i32.popcnt (i32x4.bitmask (local.get $o2))) (i32.popcnt (i32x4.bitmask (local.get $o3)))))))
        (i32.const 1))
      (else (i32.const 0))))
;; The codes of one block of 16 rows (at x; kind 0 f32, 1 f16 decoded into `buffer` first) of
  ;; `dim` dimensions (`dims` stored): scale s = max|x| / 127 per row, codes round(x / s) (round to
  ;; nearest even, within +-127) into the code block's codes at `codes` (4 dimensions of a row per
  ;; 4 bytes, zero beyond `dim` up to dims4), and per row, at `sums`: s (f32 at 0), sum(c) (i32 at
  ;; 64), sum(c^2) (i32 at 128), sum(e^2) with e = x - s c (f64 at 192) and sum(x^2) (f64 at 320),
  ;; the last two in f64 from exact products, for exact-kernels.ts to finish the header with.
  (func $encodeCodes (export "encodeCodes") (param $x i32) (param $kind i32) (param $buffer i32)
    (param $dim i32) (param $dims i32) (param $dims4 i32) (param $codes i32) (param $sums i32)
    (local $d i32) (local $at i32) (local $j i32) (local $lane i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $v v128) (local $s v128) (local $inverse v128) (local $c v128) (local $e v128)
    (local $k0 v128) (local $k1 v128) (local $k2 v128) (local $k3 v128)
    (local $lo v128) (local $hi v128) (local $ab v128) (local $cd v128)
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (call $decodeF16 (local.get $x) (local.get $dims) (local.get $buffer))
        (local.set $x (local.get $buffer))))
    ;; max |x| per row (NaN anywhere makes it NaN: exact-kernels.ts then turns the pre-filter off)
    (local.set $at (local.get $x))
    (block $maxDone
      (loop $max
        (br_if $maxDone (i32.ge_u (local.get $d) (local.get $dim)))
        (local.set $m0 (f32x4.max (local.get $m0) (f32x4.abs (v128.load offset=0 (local.get $at)))))
        (local.set $m1 (f32x4.max (local.get $m1) (f32x4.abs (v128.load offset=16 (local.get $at)))))
        (local.set $m2 (f32x4.max (local.get $m2) (f32x4.abs (v128.load offset=32 (local.get $at)))))
        (local.set $m3 (f32x4.max (local.get $m3) (f32x4.abs (v128.load offset=48 (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $max)))
    (v128.store offset=0 (local.get $sums) (f32x4.div (local.get $m0) (f32x4.splat (f32.const 127))))
    (v128.store offset=16 (local.get $sums) (f32x4.div (local.get $m1) (f32x4.splat (f32.const 127))))
    (v128.store offset=32 (local.get $sums) (f32x4.div (local.get $m2) (f32x4.splat (f32.const 127))))
    (v128.store offset=48 (local.get $sums) (f32x4.div (local.get $m3) (f32x4.splat (f32.const 127))))
    ;; a scale that is 0 (or not finite) codes nothing: s = 0, c = 0, e = x
    (local.set $j (i32.const 0))
    (loop $scales
      (local.set $s (v128.load (i32.add (local.get $sums) (local.get $j))))
      (v128.store (i32.add (local.get $sums) (local.get $j))
        (v128.and (local.get $s) (v128.and
          (f32x4.gt (local.get $s) (f32x4.splat (f32.const 0)))
          (f32x4.lt (local.get $s) (f32x4.splat (f32.const inf))))))
      (br_if $scales (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (i32.const 64))))
    ;; the sums start at zero
    (v128.store offset=64 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=80 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=96 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=112 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=128 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=144 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=160 (local.get $sums) (v128.const i64x2 0 0))
    (v128.store offset=176 (local.get $sums) (v128.const i64x2 0 0))
    (local.set $j (i32.const 192))
    (loop $zero
      (v128.store (i32.add (local.get $sums) (local.get $j)) (v128.const i64x2 0 0))
      (br_if $zero (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (i32.const 448))))
    ;; four dimensions at a time: the codes of each (16 rows, 4 lanes of 4), then interleaved so
    ;; that bytes 4r..4r+3 are row r's
    (local.set $d (i32.const 0))
    (block $groupsDone
      (loop $groups
        (br_if $groupsDone (i32.ge_u (local.get $d) (local.get $dims4)))
        (local.set $k0 (call $codeDim (local.get $x) (local.get $d) (local.get $dim) (local.get $sums)))
        (local.set $k1 (call $codeDim (local.get $x) (i32.add (local.get $d) (i32.const 1)) (local.get $dim) (local.get $sums)))
        (local.set $k2 (call $codeDim (local.get $x) (i32.add (local.get $d) (i32.const 2)) (local.get $dim) (local.get $sums)))
        (local.set $k3 (call $codeDim (local.get $x) (i32.add (local.get $d) (i32.const 3)) (local.get $dim) (local.get $sums)))
        ;; bytes of dims 0 and 1, then 2 and 3, row by row; then pairs of those, row by row
        (local.set $lo (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $k0) (local.get $k1)))
        (local.set $hi (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $k0) (local.get $k1)))
        (local.set $ab (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $k2) (local.get $k3)))
        (local.set $cd (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $k2) (local.get $k3)))
        (v128.store offset=0 (local.get $codes)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $lo) (local.get $ab)))
        (v128.store offset=16 (local.get $codes)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $lo) (local.get $ab)))
        (v128.store offset=32 (local.get $codes)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $hi) (local.get $cd)))
        (v128.store offset=48 (local.get $codes)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $hi) (local.get $cd)))
        (local.set $codes (i32.add (local.get $codes) (i32.const 64)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (br $groups))))

  ;; The 16 rows' codes of dimension d (zero at or beyond `dim`) as bytes, the sums at `sums`
  ;; updated with them.
  (func $codeDim (param $x i32) (param $d i32) (param $dim i32) (param $sums i32) (result v128)
    (local $j i32) (local $v v128) (local $s v128) (local $c v128) (local $q0 v128) (local $q1 v128)
    (local $q2 v128) (local $q3 v128) (local $e v128) (local $w v128) (local $p i32)
    (if (i32.ge_u (local.get $d) (local.get $dim)) (then (return (v128.const i64x2 0 0))))
    (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 6))))
    (loop $quads
      ;; rows 4j/16 .. +3
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $j))))
      (local.set $s (v128.load (i32.add (local.get $sums) (local.get $j))))
      ;; s = 0 makes v * (1 / s) infinite or NaN: the select keeps those codes 0
      (local.set $c (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (local.get $v) (local.get $s)))))
      (local.set $c (v128.and (local.get $c) (f32x4.gt (local.get $s) (f32x4.splat (f32.const 0)))))
      (local.set $c (i32x4.max_s (i32x4.splat (i32.const -127)) (i32x4.min_s (i32x4.splat (i32.const 127)) (local.get $c))))
      (if (i32.eqz (local.get $j)) (then (local.set $q0 (local.get $c))))
      (if (i32.eq (local.get $j) (i32.const 16)) (then (local.set $q1 (local.get $c))))
      (if (i32.eq (local.get $j) (i32.const 32)) (then (local.set $q2 (local.get $c))))
      (if (i32.eq (local.get $j) (i32.const 48)) (then (local.set $q3 (local.get $c))))
      ;; sum(c), sum(c^2)
      (local.set $p (i32.add (local.get $sums) (local.get $j)))
      (v128.store offset=64 (local.get $p) (i32x4.add (v128.load offset=64 (local.get $p)) (local.get $c)))
      (v128.store offset=128 (local.get $p) (i32x4.add (v128.load offset=128 (local.get $p)) (i32x4.mul (local.get $c) (local.get $c))))
      ;; in f64, two rows at a time: e = x - s c (s c exact), e^2 and x^2 summed
      (local.set $p (i32.add (local.get $sums) (i32.shl (local.get $j) (i32.const 1))))
      (local.set $w (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set $e (f64x2.sub (local.get $w) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $s))
        (f64x2.convert_low_i32x4_s (local.get $c)))))
      (v128.store offset=192 (local.get $p) (f64x2.add (v128.load offset=192 (local.get $p)) (f64x2.mul (local.get $e) (local.get $e))))
      (v128.store offset=320 (local.get $p) (f64x2.add (v128.load offset=320 (local.get $p)) (f64x2.mul (local.get $w) (local.get $w))))
      (local.set $v (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
      (local.set $s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s)))
      (local.set $c (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c)))
      (local.set $w (f64x2.promote_low_f32x4 (local.get $v)))
      (local.set $e (f64x2.sub (local.get $w) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $s))
        (f64x2.convert_low_i32x4_s (local.get $c)))))
      (v128.store offset=208 (local.get $p) (f64x2.add (v128.load offset=208 (local.get $p)) (f64x2.mul (local.get $e) (local.get $e))))
      (v128.store offset=336 (local.get $p) (f64x2.add (v128.load offset=336 (local.get $p)) (f64x2.mul (local.get $w) (local.get $w))))
      (br_if $quads (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (i32.const 64))))
    ;; 16 i32 codes -> 16 bytes (they fit: |c| <= 127)
    (i8x16.narrow_i16x8_s
      (i16x8.narrow_i32x4_s (local.get $q0) (local.get $q1))
      (i16x8.narrow_i32x4_s (local.get $q2) (local.get $q3))))
  ;; }

  ;; One f16 block at x (dims * 32 bytes) into an f32 block at `into`. Half-precision bits become
  ;; single-precision bits by moving exponent and mantissa up 13 bits and rescaling by 2^112
  ;; (exact for normal and subnormal values; the index stores no infinities or NaN), then putting
  ;; the sign back.
  (func $decodeF16 (param $x i32) (param $dims i32) (param $into i32)
    (local $end i32) (local $h v128) (local $lo v128) (local $hi v128) (local $scale v128)
    (local $mask v128) (local $sign v128)
    (local.set $scale (f32x4.splat (f32.const 0x1p112)))
    (local.set $mask (i32x4.splat (i32.const 0x0fffe000)))
    (local.set $sign (i32x4.splat (i32.const 0x80000000)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims) (i32.const 5))))
    (loop $values
      (local.set $h (v128.load (local.get $x)))
      ;; sign-extended to 32 bits: bit 31 is the sign
      (local.set $lo (i32x4.extend_low_i16x8_s (local.get $h)))
      (local.set $hi (i32x4.extend_high_i16x8_s (local.get $h)))
      (v128.store offset=0 (local.get $into) (v128.or
        (f32x4.mul (v128.and (i32x4.shl (local.get $lo) (i32.const 13)) (local.get $mask)) (local.get $scale))
        (v128.and (local.get $lo) (local.get $sign))))
      (v128.store offset=16 (local.get $into) (v128.or
        (f32x4.mul (v128.and (i32x4.shl (local.get $hi) (i32.const 13)) (local.get $mask)) (local.get $scale))
        (v128.and (local.get $hi) (local.get $sign))))
      (local.set $into (i32.add (local.get $into) (i32.const 32)))
      (br_if $values (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end)))))

  ;; One i8 block at x (the 16 rows' f32 scales, then dims * 16 bytes) into an f32 block of
  ;; value * scale at `into`.
  (func $decodeI8 (param $x i32) (param $dims i32) (param $into i32)
    (local $end i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $v v128) (local $lo v128) (local $hi v128)
    (local.set $s0 (v128.load offset=0 (local.get $x)))
    (local.set $s1 (v128.load offset=16 (local.get $x)))
    (local.set $s2 (v128.load offset=32 (local.get $x)))
    (local.set $s3 (v128.load offset=48 (local.get $x)))
    (local.set $x (i32.add (local.get $x) (i32.const 64)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dims) (i32.const 4))))
    (loop $values
      ;; one dimension of the 16 rows
      (local.set $v (v128.load (local.get $x)))
      (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
      (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
      (v128.store offset=0 (local.get $into) (f32x4.mul (local.get $s0)
        (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $lo)))))
      (v128.store offset=16 (local.get $into) (f32x4.mul (local.get $s1)
        (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $lo)))))
      (v128.store offset=32 (local.get $into) (f32x4.mul (local.get $s2)
        (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $hi)))))
      (v128.store offset=48 (local.get $into) (f32x4.mul (local.get $s3)
        (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $hi)))))
      (local.set $into (i32.add (local.get $into) (i32.const 64)))
      (br_if $values (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 16))) (local.get $end)))))
)
