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
