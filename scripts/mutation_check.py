"""Does the test suite fail when the code is wrong? Put in one real bug at a time and see.

Each mutation below is a small, named edit: a snippet of the package's code and what it becomes.
For each one this script copies the project to a temporary folder, makes the edit there, runs
the fast test suite against the copy (with a fresh, empty numba cache, so no code compiled from
the unmutated source is reused) and prints one line: ``caught`` if some test failed (or the
test process crashed, or ran past ``--timeout``), ``MISSED`` if the whole suite passed. The
last line is ``caught N of M``; the exit status is 0 only when every mutation was caught.

A mutation is found by its snippet, not by file: the snippet is searched for in every ``.py``
file under ``hsw2v/`` and must occur exactly once in the whole package (the script stops with
an error otherwise), so the list keeps working when code moves between modules. When a snippet
no longer matches because the code was rewritten, rewrite the mutation to the same bug in the
new code (do not drop it).

Before the mutations, the unmutated copy is run the same way: a suite that fails on its own
would make every mutation look caught.

Usage::

    python scripts/mutation_check.py                 # every mutation (60-100 min on 2 cores)
    python scripts/mutation_check.py --list          # names and what each one breaks
    python scripts/mutation_check.py --only sample-ignored --only window-off-by-one
    python scripts/mutation_check.py --only sample-ignored --show   # the pytest output too
    python scripts/mutation_check.py --only sample-ignored --all    # count every failing test

Run it from the project's virtual environment (the interpreter that runs it runs the tests).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "hsw2v"


@dataclasses.dataclass(frozen=True)
class Mutation:
    """One deliberate bug: ``old`` (found once in the package) becomes ``new``.

    ``tests`` optionally narrows the test run to some files (default: the whole fast suite).
    """

    name: str
    what: str
    old: str
    new: str
    tests: tuple[str, ...] = ()


MUTATIONS = [
    # ---- issue 28: subword vectors
    Mutation("ngram-hash-without-sign-extension", "the n-gram hash XORs bytes from 0x80 on "
             "without fastText's sign extension (gensim #2059)",
             "                    if byte >= 128:  # int8 sign extension to 32 bits",
             "                    if byte >= 1000:  # int8 sign extension to 32 bits",
             ("tests/test_subwords.py", "tests/test_fasttext_bin.py")),
    Mutation("subword-sg-input-not-updated", "skip-gram with subwords (streamed rows) predicts "
             "from each context position's vector as it was before its first update",
             "            bstore(ring, s, bl, badd(bload(ring, s, bl), e))",
             "            bstore(ring, s, bl, bload(ring, s, bl))", ("tests/test_subwords.py",)),
    Mutation("subword-sg-registers-input-not-updated", "the same with the rows in registers",
             "        rstore(ring, s, radd(x, e))", "        rstore(ring, s, x)",
             ("tests/test_subwords.py",)),
    Mutation("subword-ring-flushed-early", "skip-gram with subwords sends a position's summed "
             "error to its rows while a window may still use it",
             "                    old = pos - window - 1\n", "                    old = pos - window\n",
             ("tests/test_subwords.py",)),
    Mutation("subword-ring-last-not-flushed", "the last position of a piece never gets its "
             "summed error",
             "                for j in range(max(0, length - window - 1), length):",
             "                for j in range(max(0, length - window - 1), length - 1):",
             ("tests/test_subwords.py",)),
    Mutation("subword-compose-four-drops-block", "a composed vector leaves out the third block "
             "of every group of four",
             "            h2 = badd(h2, bload(syn0, r, b0 + 2))", "            h2 = h2",
             ("tests/test_subwords.py",)),
    Mutation("subword-streamed-cbow-sum", "streamed CBOW with subwords predicts from the sum "
             "of the bag's rows, not their mean", "    inv = bsplat(np.float32(1.0 / m))",
             "    inv = bsplat(np.float32(1.0))", ("tests/test_subwords.py",)),
    Mutation("oov-mean-over-known-ngrams", "an unseen word's vector divides by the n-grams "
             "that have rows, not by all its n-grams (fastText's mean)",
             "    n = len(positions) + (own is not None)",
             "    n = int((positions >= 0).sum()) + (own is not None)",
             ("tests/test_subwords.py", "tests/test_fasttext_bin.py")),
    Mutation("subword-questions-skipped", "evaluation skips questions with an unseen input "
             "instead of scoring them through its n-grams",
             "                        vec = _subword_unit(vectors, w, case_insensitive)\n"
             "                        subword_ids[w]",
             "                        vec = None\n                        subword_ids[w]",
             ("tests/test_subwords.py",)),
    # ---- issue 25/26: one run, one weights type; a worker lost in the first round
    Mutation("first-round-loss-crashes", "a worker lost in round 1 (before any update was "
             "sent) ends the run with an IndexError instead of recovering",
             "        if self.bytes_sent:  # the bytes of the round", "        if True:  # the bytes "
             "of the round", ("tests/test_distributed.py",)),
    Mutation("setup-hang-never-resubmitted", "a worker frozen while it counts its shard or "
             "sets its slot up hangs the run (its task is never submitted elsewhere)",
             "                    elif results and time.monotonic() - since[s] > hang_bound(",
             "                    elif False and time.monotonic() - since[s] > hang_bound(",
             ("tests/test_faults.py",)),
    Mutation("cluster-summary-without-curve", "a cluster run records no loss curve (ticks "
             "never reach the shared progress)",
             "            tick()\n        return None if self.stop.is_set()",
             "            pass\n        return None if self.stop.is_set()",
             ("tests/test_distributed.py",)),
    # ---- issue 24: kernels sized for the target's SIMD
    Mutation("streamed-dot-drops-odd-chain", "a streamed dot product forgets its odd blocks",
             "    return bsum(badd(a0, a1))", "    return bsum(a0)"),
    Mutation("streamed-dot-drops-last-odd-block", "a streamed dot product of an odd number "
             "of blocks leaves the last one out",
             "    if nb % 2 == 1:\n        a0 = bfma(bload(a, i, nb - 1)",
             "    if nb % 2 == 7:\n        a0 = bfma(bload(a, i, nb - 1)"),
    Mutation("streamed-path-skips-tail-blocks", "a streamed path update skips the last two "
             "blocks of rows that are not a multiple of four blocks",
             "            _spath2(x, i, e, y, rows, start, n, gs, full)\n",
             "            pass\n", ("tests/test_simd.py",)),
    Mutation("streamed-path-skips-odd-block", "a streamed path update skips the last block of "
             "an odd count (dims past a whole number of 16-float lines)",
             "            _spath1(x, i, e, y, rows, start, n, gs, nb - 1)\n",
             "            pass\n", ("tests/test_simd.py",)),
    Mutation("streamed-path-five-as-four", "a streamed path update of 4k + 1 blocks leaves "
             "the last block out (dim 100 on AVX2: 13 blocks)",
             "        _spath5(x, i, e, y, rows, start, n, gs, full)",
             "        _spath4(x, i, e, y, rows, start, n, gs, full)",
             ("tests/test_simd.py",)),
    Mutation("ns-streamed-repeats-batched", "a streamed NS prediction that drew a row twice "
             "scores every decision before any update (the second draw sees a stale row)",
             "    return m, (m if distinct and m > 0 else 1)", "    return m, (m if m > 0 else 1)"),
    Mutation("padding-blocks-kept", "the kernels work on the whole stride, padding included "
             "(the live-width saving lost)", "    return (0,) * -(-int(dim) // VLANES)",
             "    return (0,) * (stride // VLANES)", ("tests/test_simd.py",)),
    Mutation("hung-worker-tasks-not-pinned", "after a worker hung, queued tasks may still be "
             "moved to it (a frozen worker looks idle to Dask)",
             '"allow_other_workers": not self.hung}', '"allow_other_workers": True}',
             ("tests/test_faults.py",)),
    Mutation("dask-slots-ignored", "--dask-slots is ignored: the corpus is cut into one slot "
             "per worker alive at the start (a worker being replaced changes the schedule)",
             "parts = (cfg.dask_slots or len(workers)) if old is None else old[\"slots\"]",
             "parts = len(workers) if old is None else old[\"slots\"]",
             ("tests/test_distributed.py",)),
    Mutation("queued-round-timed-from-submission", "a round queued behind another slot's on "
             "its worker is timed from its submission, not from when its worker became free "
             "(taken for hung; its worker then is too, and a truly frozen one is never replaced)",
             "                            self._start_queued(s, todo - freed, since, now)",
             "                            pass",
             ("tests/test_faults.py",)),
    Mutation("close-waits-on-hung-worker", "a run whose last round hung on a frozen worker "
             "asks that worker too to forget the job at its close (and waits forever)",
             "live = self._live() - self.hung  # (a hung worker would never answer)",
             "live = self._live()", ("tests/test_faults.py",)),
    Mutation("close-waits-forever", "the end of a run waits without a bound for workers to "
             "drop its data (a worker that froze after its last answer holds the exit forever)",
             "if live and not _within(FORGET_SECONDS, self.client.run,",
             "if live and not _within(None, self.client.run,", ("tests/test_faults.py",)),
    Mutation("hung-scheduler-taken-for-reachable", "a scheduler that never answers is taken "
             "for reachable (the check waits without a bound)",
             "return (_within(REACHABLE_SECONDS, self.client.scheduler_info)",
             "return (_within(None, self.client.scheduler_info)", ("tests/test_faults.py",)),
    Mutation("steps-reference-counted", "the per-word steps compile with numba's reference "
             "counting (locked count updates on shared lines, every call)",
             "STEP_OPTIONS = dict(JIT_OPTIONS, _nrt=False)", "STEP_OPTIONS = dict(JIT_OPTIONS)",
             ("tests/test_kernels.py",)),
    Mutation("streamed-cbow-mean-is-a-sum", "the streamed CBOW input is the sum of the context "
             "rows, not their mean", "        bstore(out, i, b, bmul(f, h))",
             "        bstore(out, i, b, h)"),
    Mutation("stop-finishes-whole-claim", "a stop request waits until a whole claim of up to "
             "16 chunks is trained", "                    if r == t and k > claim[1] and "
             "self.stop.is_set():", "                    if False and r == t and k > claim[1] "
             "and self.stop.is_set():"),
    Mutation("softmax-chunks-not-cut-by-time", "the exact softmax's chunks are whole pieces "
             "(a stop waits minutes)", "            chunk = softmax_chunk(cfg, model.vocab.counts)",
             "            chunk = None"),
    Mutation("generic-target-claims-fma", "a target without FMA is taken to have it (llvm.fma "
             "becomes a libm call per lane)",
             "    return 4, 16, \"fma\" in on", "    return 4, 16, True"),
    # ---- the seven of issue 10's audit
    Mutation("sg-gradient-sign", "skip-gram gradient sign flipped",
             "code = codes[start + j]\n        if abs(s) < _MAX_EXP32:  # also false for NaN, "
             "which then updates nothing\n            u = (s + _MAX_EXP32) * _SCALE32\n"
             "            g = (_ONE32 - code - SIGMOID_TABLE[int(u + _HALF32)]) * a32",
             "code = codes[start + j]\n        if abs(s) < _MAX_EXP32:  # also false for NaN, "
             "which then updates nothing\n            u = (s + _MAX_EXP32) * _SCALE32\n"
             "            g = (SIGMOID_TABLE[int(u + _HALF32)] - _ONE32 + code) * a32"),
    Mutation("keep-probability-formula", "subsampling keeps sqrt(t / f) (the paper's formula) "
             "instead of word2vec's",
             "p = (np.sqrt(counts / threshold) + 1.0) * threshold / counts",
             "p = np.sqrt(threshold / counts)"),
    Mutation("huffman-codes-leaf-first", "code bits written leaf first, points root first",
             "codes[q] = bit[node]",
             "codes[offsets[w] + offsets[w + 1] - 1 - q] = bit[node]"),
    Mutation("subsample-comparison-flipped", "the kernel drops the words it should keep",
             "if p < 1.0 and next_uniform(rng) >= p:",
             "if p < 1.0 and next_uniform(rng) < p:"),
    Mutation("lr-restarts-every-epoch", "the learning rate restarts at alpha every epoch",
             "alpha = cfg.alpha - step * (epoch * words_r + int(self.before[r][k]))",
             "alpha = cfg.alpha - step * int(self.before[r][k])"),
    Mutation("sample-ignored", "--sample ignored by the trainer (keep probabilities of 0)",
             "self.keep = keep_probabilities(model.vocab.counts, cfg.sample)",
             "self.keep = keep_probabilities(model.vocab.counts, 0.0)"),
    Mutation("no-mid-chunk-merges", "private top rows merged only at the end of a chunk",
             "if since >= sync_every and base.shape[0] > 0:",
             "if since >= sync_every and base.shape[0] < 0:"),
    # ---- the kernels' math
    Mutation("window-off-by-one", "the window stops one word short on the right",
             "hi = pos + window + 1 - b",
             "hi = pos + window - b"),
    Mutation("center-in-own-context", "a word is its own context word",
             "                        if j != pos:\n                            ctx[k] = sent[j]",
             "                        if True:\n                            ctx[k] = sent[j]"),
    Mutation("subword-center-in-own-context", "with subwords, a skip-gram position predicts "
             "its own word",
             "                        if j != pos:\n                            ctx[k] = j % nslots",
             "                        if True:\n                            ctx[k] = j % nslots",
             ("tests/test_subwords.py",)),
    Mutation("cbow-sum-not-mean", "CBOW sums the context vectors instead of averaging them",
             "    return rscale(np.float32(1.0 / n_ctx), h)\n",
             "    return rscale(np.float32(1.0), h)\n"),
    Mutation("cbow-gradient-sign", "hierarchical-softmax step (CBOW) with its sign flipped",
             "g = (1.0 - code - SIGMOID_TABLE[int(u + 0.5)]) * alpha",
             "g = (SIGMOID_TABLE[int(u + 0.5)] - 1.0 + code) * alpha"),
    Mutation("loss-of-the-other-branch", "the loss read off for the wrong code bit",
             "k = j + code * _ROW",
             "k = j + (1 - code) * _ROW"),
    Mutation("merge-subtracts-change", "a merge of private rows subtracts the thread's change",
             "change = rfma(np.float32(-1.0), rload(base, r, z), rload(syn1, own + r, z))",
             "change = rfma(np.float32(-1.0), rload(syn1, own + r, z), rload(base, r, z))"),
    Mutation("huffman-tie-break", "on equal weights a merged node is taken before a leaf",
             "weight[leaf] <= weight[inner]",
             "weight[leaf] < weight[inner]"),
    # ---- the learning-rate schedule
    Mutation("alpha-not-decaying", "the learning rate stays at alpha for the whole run",
             "step = (cfg.alpha - cfg.min_alpha) / (cfg.epochs * words_r)",
             "step = 0.0 * (cfg.alpha - cfg.min_alpha) / (cfg.epochs * words_r)"),
    Mutation("alpha-held-per-chunk", "the kernel holds one learning rate for a whole chunk",
             "a = alpha - alpha_step * seen",
             "a = alpha - alpha_step * 0"),
    Mutation("min-alpha-floor-dropped", "the learning rate may fall below min_alpha",
             "            if a < min_alpha:\n                a = min_alpha\n",
             "            if a < min_alpha:\n                a = a\n"),
    # ---- the trainer
    Mutation("stats-in-float32", "loss and word counts summed in float32 accumulators",
             "np.float64) for _ in range(t)]",
             "np.float32) for _ in range(t)]"),
    Mutation("epoch-loss-per-word", "the epoch's mean loss divided by words, not predictions",
             "mean = float(loss / pairs) if pairs else None",
             "mean = float(loss / seen) if pairs else None"),
    Mutation("same-order-every-epoch", "the shuffled chunk order does not change with the epoch",
             "rng = np.random.default_rng([self.cfg.seed, epoch, r])",
             "rng = np.random.default_rng([self.cfg.seed, 0, r])"),
    Mutation("steal-skips-a-chunk", "a thread taking chunks from another's back skips one",
             "        self.back[r] -= 1\n        return r, self.back[r], self.back[r] + 1",
             "        self.back[r] -= 2\n        return r, self.back[r] + 1, self.back[r] + 2"),
    Mutation("threads-share-a-seed", "every thread draws the same random numbers",
             "np.uint64(seed * 1_000_003 + t)",
             "np.uint64(seed * 1_000_003)"),
    # ---- checkpoints and resume
    Mutation("checkpoint-drops-rng", "resuming does not restore the threads' RNG states",
             "        for r, s in zip(self.rngs, state.rng):\n            r[0] = s\n",
             "        for r, s in zip(self.rngs, state.rng):\n            r[0] = r[0]\n"),
    Mutation("checkpoint-drops-epoch-accumulators", "resuming mid-epoch forgets the epoch's "
             "loss and word counts so far",
             "            mine[:] = row\n",
             "            mine[:] = 0.0 * row\n"),
    # ---- reading the corpus, options
    Mutation("prune-keeps-stale-ids", "after pruning, the stream keeps its provisional ids",
             "                if counter.prunings:\n",
             "                if counter.prunings and False:\n"),
    Mutation("format-option-ignored", "--format of train ignored (extension decides)",
             'binary = {None: None, "text": False, "binary": True}[cfg.format]',
             "binary = None"),
    Mutation("min-alpha-above-alpha-accepted", "--min-alpha larger than --alpha not refused",
             "if cfg.min_alpha > cfg.alpha:",
             "if cfg.min_alpha > cfg.alpha and False:"),
    Mutation("verbose-ignored", "-v/--verbose does not turn on debug logging",
             "level=logging.DEBUG if verbose else logging.INFO",
             "level=logging.INFO"),
    # ---- vectors files and evaluation
    Mutation("binary-big-endian", "binary vectors written big-endian",
             'raw = memoryview(matrix[start:stop].astype("<f4", copy=False).tobytes())',
             'raw = memoryview(matrix[start:stop].astype(">f4", copy=False).tobytes())'),
    Mutation("text-six-digits", "text vectors written with 6 significant digits, not 9",
             "mant = np.rint(mag * np.power(10.0, 8 - exp))  # 9 digits",
             "mant = np.rint(mag * np.power(10.0, 5 - exp)) * 1e3  # 9 digits"),
    Mutation("evaluate-last-variant-wins", "evaluation keeps the last case variant of a word",
             "index.setdefault(w.upper() if case_insensitive else w, i)",
             "index[w.upper() if case_insensitive else w] = i"),
    Mutation("pairs-restrict-ignored", "evaluate --pairs uses --restrict, not --pairs-restrict",
             "vectors.evaluate_pairs(pairs, restrict=pairs_restrict,",
             "vectors.evaluate_pairs(pairs, restrict=restrict,"),
    # ---- objectives (issue 13), held-out loss (issue 12)
    Mutation("ns-labels-swapped", "negative sampling trains the target as noise and the noise "
             "as the target",
             "        code = 0 if d == 0 else 1\n",
             "        code = 1 if d == 0 else 0\n"),
    Mutation("ns-target-drawn-as-noise", "a noise draw equal to the target is not skipped",
             "        if w != target:\n            r = neg_map[w]\n",
             "        if True:\n            r = neg_map[w]\n"),
    Mutation("ns-sg-freeze-ignored", "--freeze-init rows move with skip-gram negative sampling "
             "(its own kernel)",
             "                                   n_sat)\n        if lockf.shape[0] > 0:",
             "                                   n_sat)\n        if lockf.shape[0] < 0:"),
    Mutation("streamed-freeze-ignored", "--freeze-init rows move where rows are streamed",
             "    if lockf is not None and lockf.shape[0] > 0:\n        fv = bsplat(lockf[i])",
             "    if lockf is not None and lockf.shape[0] < 0:\n        fv = bsplat(lockf[i])"),
    Mutation("ns-cbow-half-error", "CBOW negative sampling adds half the error row to the "
             "context rows", "        e, loss, n_sat, m = ns_row(h, z, syn1neg, negs, 0, a32, "
             "scores, 0)\n        add_to_context(syn0, ctx, n_ctx, e, lockf, z)\n",
             "        e, loss, n_sat, m = ns_row(h, z, syn1neg, negs, 0, a32, scores, 0)"
             "\n        add_to_context(syn0, ctx, n_ctx, rfma(np.float32(-0.5), e, e), lockf, z)\n"),
    Mutation("combine-mixed-is-sum", "--combine mixed never divides a hot row's summed change "
             "(it becomes sum)", "                div = min(max(wsum / hot, 1.0), np.float64(c))",
             "                div = 1.0"),
    Mutation("take-changed-misses-decreases", "a worker's rows whose first changed value fell "
             "are not all found", "            if work[r, d] != base[r, d]:",
             "            if work[r, d] > base[r, d]:"),
    Mutation("ns-exponent-ignored", "the noise distribution is the unigram, whatever "
             "--ns-exponent", "** float(exponent)", "** 1.0"),
    Mutation("softmax-gradient-sign", "the exact softmax steps by p - y, the wrong way",
             "g = np.float32(((1.0 if j == target else 0.0) - probs[j]) * a32)",
             "g = np.float32((probs[j] - (1.0 if j == target else 0.0)) * a32)"),
    Mutation("softmax-no-max-shift", "the softmax exponentiates raw scores (overflows)",
             "        p = math.exp(values[j] - m)\n",
             "        p = math.exp(values[j])\n"),
    Mutation("holdout-trained", "held-out chunks are trained on too",
             "                    if held[first + order[k]]:\n",
             "                    if False and held[first + order[k]]:\n"),
    # ---- the full model, pre-trained starts, sentences (issue 14)
    Mutation("freeze-ignored", "--freeze-init rows move with skip-gram hierarchical softmax",
             "        if lockf is not None and lockf.shape[0] > 0:  # x + f * e, one FMA",
             "        if lockf is not None and lockf.shape[0] < 0:  # x + f * e, one FMA"),
    Mutation("grow-vocab-counts-not-added", "--grow-vocab keeps the old counts of old words",
             "            merged[i] += c\n",
             "            merged[i] += 0\n"),
    Mutation("model-file-drops-output-rows", "a saved model loses negative sampling's rows",
             "        **data.weights.contiguous().arrays(),\n",
             "        **{k: v for k, v in data.weights.contiguous().arrays().items()\n"
             "           if k != \"syn1neg\"},\n"),
    Mutation("sentence-whitespace-unchecked", "a token holding whitespace is not refused",
             "            if line.split() != list(tokens):\n",
             "            if False:\n"),
    # ---- overlapping rounds on a cluster (issue 15)
    Mutation("overlap-own-changes-dropped", "an overlapping round starts from the model "
             "without the worker's own last changes",
             "                work[rows] = job.mats[name][rows] + own[\"vals\" + name]\n",
             "                work[rows] = job.mats[name][rows]\n", ("tests/test_distributed.py",)),
    Mutation("take-delta-ignores-own", "a round's changes are taken against the model, not "
             "against its start (the own changes are sent twice)",
             "            start = base[r, d] + own[p, d] if p >= 0 else base[r, d]\n",
             "            start = base[r, d]\n", ("tests/test_rounds_kernels.py",
                                               "tests/test_distributed.py")),
    Mutation("overlap-combines-as-values", "the driver combines overlapping rounds' changes as "
             "if they were new values",
             "            self._combine(got, self.overlap, self._hot(e, k))\n",
             "            self._combine(got, False, self._hot(e, k))\n",
             ("tests/test_distributed.py",)),
    # (one run for both engines since issue 25: a cluster run and a local one now start from
    # the same wrong weights, so the local tests of training further catch it)
    Mutation("dask-further-fresh-weights", "a model trained further (locally or on a cluster) "
             "starts from fresh weights", "        elif start is not None:\n"
             "            old = Vocab(", "        elif False:\n"
             "            old = Vocab(", ("tests/test_distributed.py", "tests/test_model.py")),
    Mutation("dask-freeze-dropped", "the workers' trainers do not get --freeze-init's rows",
             "                                   lockf=spec.lockf, claim_max",
             "                                   lockf=None, claim_max", ("tests/test_distributed.py",)),
    Mutation("dask-resume-counts-again", "a resumed cluster run of a model trained further "
             "builds a new vocabulary",
             "        if resume is not None and resume.meta.get(\"fixed_vocab\"):\n",
             "        if resume is not None and False:\n", ("tests/test_distributed.py",)),
    Mutation("dask-neg-private-stale", "a worker's threads keep stale private noise rows "
             "after the model changed", "        for rows, private in ((self.rows1, self.hot), "
             "(self.rows_neg, self.neg)):\n",
             "        for rows, private in ((self.rows1, self.hot),):\n",
             ("tests/test_distributed.py",)),
    Mutation("dask-noise-rows-of-targets-only", "a round weighs a noise row by its word's "
             "occurrences only, not by its draws as a negative (--combine mixed/weighted)",
             "            uses[\"2\"] = n0 + tr.negative * n0.sum() * self.noise_p",
             "            uses[\"2\"] = n0", ("tests/test_distributed.py",)),
    Mutation("dask-ns-hs-round-size", "negative sampling on a cluster gets hierarchical "
             "softmax's default round size",
             "default_sync_words(n, cfg.threads, \"ns\" in cfg.objectives)",
             "default_sync_words(n, cfg.threads, False)", ("tests/test_distributed.py",)),
    Mutation("dask-last-round-stops-at-words", "an epoch's last round stops when its words "
             "are taken, before the chunks after them that hold none (the epoch never ends)",
             "        if (self.limit is not None and self.limit < sum(self.words)\n"
             "                and self.claimed() >= self.limit):",
             "        if (self.limit is not None\n"
             "                and self.claimed() >= self.limit):", ("tests/test_distributed.py",)),
    Mutation("dask-grow-builds-fresh-vocab", "--grow-vocab on a cluster builds a new vocabulary "
             "instead of growing the model's",
             "                vocab = grown_vocab(Vocab(start.words, start.counts), words, counts,\n"
             "                                    cfg.min_count)",
             "                vocab = build_vocab(words, counts, cfg.min_count, cfg.max_vocab)",
             ("tests/test_distributed.py",)),
    Mutation("model-file-not-detected", "a model file given to a query command is read as a "
             "word2vec file", "            return f.read(4) == b\"PK\\x03\\x04\"",
             "            return False", ("tests/test_model.py",)),
    Mutation("broken-pipe-is-an-error", "a closed pipe on stdout prints an error line",
             "        except BrokenPipeError:  # `hsw2v similar ... | head`",
             "        except ZeroDivisionError:  # `hsw2v similar ... | head`",
             ("tests/test_cli_query.py", "tests/test_command_output.py")),
    # ---- housekeeping
    Mutation("id-file-kept-named", "the id stream's file keeps its name while open (a killed "
             "process leaves it in the temporary folder)",
             "    os.unlink(path)\n    return True\n", "    return False\n",
             ("tests/test_encoding.py",)),
    Mutation("scipy-linalg-not-hidden", "the command line lets numba import scipy.linalg (its "
             "BLAS probe, ~0.15 s of start-up)",
             '    sys.modules["scipy.linalg"] = None', '    pass',
             ("tests/test_cli_train.py",)),
    Mutation("exit-collection-kept", "the command line leaves the exit-time garbage "
             "collection of numba's objects on (0.25-0.4 s a run)",
             "        _atexit.register(_gc.freeze)\n", "",
             ("tests/test_cli_train.py",)),
    Mutation("hot-threshold-fixed", "--combine mixed keeps the first learning rate's hot-row "
             "threshold all run (late rounds average hot rows instead of summing them)",
             "    return HOT / max(1.0 - progress, floor, 1e-12)", "    return HOT",
             ("tests/test_distributed.py",)),
    Mutation("noise-rows-rising-hot", "runs with negative sampling get the rising hot-row "
             "threshold too (lost 0.004-0.015 analogy at 8 workers)",
             '        if self.cfg.objectives != ("hs",):\n            return None\n', "",
             ("tests/test_distributed.py",)),
    Mutation("resumed-pending-round-default-hot", "a resumed overlapping run combines the "
             "pending round with the default hot-row threshold, not that round's",
             "            hot0 = self._hot(epoch0, k0) if k0 else self._hot(epoch0 - 1, self.rounds)\n",
             "            hot0 = None\n",
             ("tests/test_distributed.py",)),
]


class MutationError(Exception):
    """A mutation's snippet is missing from the package or occurs more than once."""


def package_files(root: str) -> list[str]:
    """Every ``.py`` file under ``root/hsw2v``, sorted."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(root, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
    return out


def locate(root: str, m: Mutation) -> str:
    """The one file under ``root/hsw2v`` holding ``m.old``; MutationError if not exactly one."""
    where = []
    for path in package_files(root):
        with open(path, encoding="utf-8") as f:
            n = f.read().count(m.old)
        if n:
            where.append((os.path.relpath(path, root), n))
    total = sum(n for _, n in where)
    if total != 1:
        places = ", ".join(f"{p} ({n}x)" for p, n in where) or "nowhere"
        raise MutationError(f"mutation {m.name!r}: its snippet must occur exactly once in "
                            f"{PACKAGE}/, found {total} times: {places}; snippet: {m.old!r}")
    return where[0][0]


def project_files(root: str) -> list[str]:
    """Files of the project to copy (relative): git's tracked and untracked-not-ignored ones."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z"], cwd=root, capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for top in (PACKAGE, "tests", "configs", ".ci", "scripts", "docs"):
            for folder, dirs, names in os.walk(os.path.join(root, top)):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                files += [os.path.relpath(os.path.join(folder, n), root) for n in names]
        files += [f for f in ("pyproject.toml", "README.md")
                  if os.path.exists(os.path.join(root, f))]
    return [f for f in files if os.path.isfile(os.path.join(root, f))]


def make_copy(root: str, dest: str) -> None:
    for rel in project_files(root):
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, rel), target)


def apply(copy: str, m: Mutation) -> str:
    rel = locate(copy, m)
    path = os.path.join(copy, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(m.old, m.new, 1))
    return rel


#: Test files that check the kernels against their references: a whole-suite run takes them
#: first, so a mutation of a kernel is caught in a minute instead of after every CLI test.
FIRST = ("tests/test_kernels.py", "tests/test_objectives.py", "tests/test_simd.py",
         "tests/test_subwords.py", "tests/test_numerics.py", "tests/test_private_rows.py",
         "tests/test_rounds_kernels.py")


def suite_order(copy: str, mutated: str | None = None) -> tuple[str, ...]:
    """Every test file of ``copy``: :data:`FIRST` (a mutated kernel module's own file first),
    then those that name the mutated module (``hsw2v/threads.py``: ``threads``), then the
    others by name."""
    rest = sorted(f"tests/{f}" for f in os.listdir(os.path.join(copy, "tests"))
                  if f.startswith("test_") and f.endswith(".py"))
    first = [f for f in FIRST if f in rest]
    if mutated and mutated.startswith(f"{PACKAGE}/kernels/"):
        # a kernel module's own test file first (kernels/rounds.py: test_rounds_kernels.py)
        module = os.path.splitext(os.path.basename(mutated))[0]
        first.sort(key=lambda f: module not in os.path.basename(f))
    elif mutated:
        module = os.path.splitext(os.path.basename(mutated))[0]
        pattern = re.compile(rf"\b(?:{PACKAGE}\.{module}\b|import {module}\b|{module}_mod\b)")
        named = [f for f in rest if f not in first
                 and pattern.search(open(os.path.join(copy, f), encoding="utf-8").read())]
        first = named + first
    return (*first, *(f for f in rest if f not in first))


def run_suite(copy: str, tests: tuple[str, ...], timeout: float,
              stop: bool = True, mutated: str | None = None) -> tuple[str, str, float]:
    """Run the fast tests in ``copy``: ('passed' | 'failed' | 'error' | 'timeout', output, s).

    With ``stop`` pytest stops at the first failure (``-x``)."""
    cache = tempfile.mkdtemp(prefix="numba-cache-", dir=copy)
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=copy, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-q", *(["-x"] if stop else []), "-p",
           "no:cacheprovider", *(tests or suite_order(copy, mutated))]
    t = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) \
            else (exc.stdout or "")
        return "timeout", out, time.monotonic() - t
    out = p.stdout + p.stderr
    # pytest: 0 all passed, 1 some test failed, 2 interrupted (e.g. a collection error); a
    # negative code: the process died of a signal (a kernel that writes out of bounds can
    # segfault), which fails the suite as surely as an assertion
    if p.returncode < 0:
        return "crashed", out, time.monotonic() - t
    status = {0: "passed", 1: "failed", 2: "failed"}.get(p.returncode, "error")
    return status, out, time.monotonic() - t


def first_failure(output: str) -> str:
    m = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return m.group(1) if m else "?"


def crashed_in(output: str) -> str:
    """The test a crashed run was in, from faulthandler's traceback."""
    tests = re.findall(r'/tests/(\S+\.py)", line \d+ in (\w+)', output)
    return f"crashed in tests/{tests[-1][0]}::{tests[-1][1]}" if tests else "crashed"


def failures(output: str) -> str:
    """'N tests failed: first, second, ...' from a run without -x."""
    names = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    shown = ", ".join(n.split("::", 1)[-1] for n in names[:3]) + (", ..." if len(names) > 3 else "")
    return f"{len(names)} failed: {shown}"


def check_import(copy: str) -> None:
    """Make sure the tests in ``copy`` import the copy's package, not an installed one."""
    env = dict(os.environ, PYTHONPATH=copy, PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
                         cwd=copy, env=env, capture_output=True, text=True, check=True).stdout
    if not os.path.realpath(out.strip()).startswith(os.path.realpath(copy)):
        raise SystemExit(f"the tests would import {out.strip()}, not the copy in {copy}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this mutation (repeatable)")
    ap.add_argument("--full", action="store_true",
                    help="run the whole fast suite even for mutations that name test files")
    ap.add_argument("--tests", action="append", metavar="PATH",
                    help="run only these test files or node ids for every mutation (repeatable; "
                         "for a quick look, not for the verdict)")
    ap.add_argument("--timeout", type=float, default=900,
                    help="seconds per suite run; a run that takes longer counts as caught")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="do not first check that the unmutated copy passes")
    ap.add_argument("--all", action="store_true",
                    help="run every test for each mutation (no -x) and count the failures")
    ap.add_argument("--show", action="store_true", help="print the pytest output of each run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copies")
    args = ap.parse_args(argv)

    names = [m.name for m in MUTATIONS]
    if len(set(names)) != len(names):
        raise SystemExit("two mutations have the same name")
    # Every snippet must be found once in the package as it is now, before anything runs.
    problems = []
    for m in MUTATIONS:
        try:
            locate(ROOT, m)
        except MutationError as exc:
            problems.append(str(exc))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    if args.list:
        width = max(map(len, names))
        for m in MUTATIONS:
            print(f"{m.name:<{width}}  {locate(ROOT, m):<20}  {m.what}")
        return 0
    chosen = MUTATIONS
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            print(f"unknown mutation(s): {', '.join(unknown)}; see --list", file=sys.stderr)
            return 2
        chosen = [m for m in MUTATIONS if m.name in args.only]

    work = tempfile.mkdtemp(prefix="hsw2v-mutation-")
    try:
        if not args.skip_baseline:
            base = os.path.join(work, "baseline")
            make_copy(ROOT, base)
            check_import(base)
            status, out, secs = run_suite(base, tuple(args.tests or ()), args.timeout)
            if args.show:
                print(out)
            if status != "passed":
                print(out[-4000:])  # the baseline must pass: a crash or a failure stops here
                print(f"the unmutated suite did not pass ({status}, {secs:.0f} s): fix that "
                      "first, every mutation would look caught", file=sys.stderr)
                return 2
            print(f"baseline: the unmutated suite passes ({secs:.0f} s)", flush=True)
        caught = 0
        width = max(len(m.name) for m in chosen)
        for i, m in enumerate(chosen):
            copy = os.path.join(work, f"m{i:02d}")
            make_copy(ROOT, copy)
            rel = apply(copy, m)
            tests = tuple(args.tests or ()) or (() if args.full else m.tests)
            status, out, secs = run_suite(copy, tests, args.timeout, stop=not args.all,
                                          mutated=rel)
            if args.show:
                print(out)
            if status == "error":
                print(out[-4000:])
                print(f"mutation {m.name!r}: pytest could not run (see above)", file=sys.stderr)
                return 2
            hit = status in ("failed", "crashed", "timeout")
            caught += hit
            detail = status
            if status == "failed":
                detail = failures(out) if args.all else first_failure(out)
            elif status == "crashed":
                detail = crashed_in(out)
            print(f"{'caught' if hit else 'MISSED'}  {m.name:<{width}}  {rel}  "
                  f"({secs:.0f} s; {detail if hit else m.what})", flush=True)
            if not args.keep:
                shutil.rmtree(copy, ignore_errors=True)
        print(f"caught {caught} of {len(chosen)}")
        return 0 if caught == len(chosen) else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"copies kept in {work}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
