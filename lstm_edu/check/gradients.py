"""Checkers for the exercises of chapters 1 and 2: losses, embeddings, Jacobians, bounds, baselines.

Usage in a chapter's check cell::

    from lstm_edu.check.gradients import rnn_jacobian
    rnn_jacobian(rnn_jacobian_fn)

Each checker runs the learner's function on several cases with the machinery of
:mod:`lstm_edu.check._core`: it prints kind, specific feedback, names the common
mistake that reproduces the learner's outputs, returns a result that is true or false, and never
raises because of the learner's code.

- ``cross_entropy(fn)``: ``fn(logits (B, K), targets (B,) ints) -> mean loss``,
  the mean of ``-log softmax(logits)[b, targets[b]]``, stable for large logits;
- ``embedding_backward(fn)``: ``fn(ids (N,) ints, d_vectors (N, E), vocab_size)
  -> d_table (vocab_size, E)``, the gradient of an embedding lookup
  ``table[ids]`` (rows of repeated ids add up);
- ``rnn_jacobian(fn)``: ``fn(h_next (H,), weight_hh (H, H)) -> J (H, H)``, the
  Jacobian dh_t/dh_{t-1} = diag(1 - h_t**2) W_hh of a tanh RNN step;
- ``gradient_bound(fn)``: ``fn(weight_hh, activation) -> eta``, the bound
  gamma * sigma_max(W_hh) on every factor ||dh_t/dh_{t-1}|| (gamma = 1 for
  "tanh", 1/4 for "sigmoid");
- ``copy_baseline(fn)``: ``fn(T, n_symbols, copy_length) -> nats``, the
  cross-entropy of the best memoryless strategy on the copy task.
- ``numerical_gradient(fn)``: ``fn(f, x, eps) -> grad``, the centred
  finite-difference gradient of a scalar function, one entry at a time, with
  ``x`` left unchanged: the gradient check that tests BPTT.

:data:`_EXERCISES` lists them in the form of ``lstm_edu.check._EXERCISES``.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.check._core import CheckResult, Case, Exercise, Mistake, Output, run_exercise, say

#: gamma = sup |f'| for the activations of gradient_bound.
SLOPE_BOUND = {"tanh": 1.0, "sigmoid": 0.25}


def _mistake(exercise: str, key: str, title: str, explanation: str, hint: str, **flags) -> Mistake:
    return Mistake(key=f"{exercise}.{key}", family=title, title=title, explanation=explanation, hint=hint,
                   flags=flags)


# ------------------------------------------------------------------ cross_entropy


def _cross_entropy_variant(logits, targets, *, stable: bool = True, reduction: str = "mean",
                          softmax_first: bool = False, base: float = np.e, sign: float = 1.0,
                          mse: bool = False, axis: int = 1):
    """Mean cross-entropy of integer targets under softmax(logits), or a mistaken version."""
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    if softmax_first:  # softmax applied before a loss that applies its own
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        logits = e / e.sum(axis=1, keepdims=True)
    shift = logits.max(axis=axis, keepdims=True) if stable else 0.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exp = np.exp(logits - shift)
        log_probs = logits - shift - np.log(exp.sum(axis=axis, keepdims=True))
    rows = np.arange(len(targets))
    if mse:
        onehot = np.zeros_like(logits)
        onehot[rows, targets] = 1.0
        per_example = np.sum((np.exp(log_probs) - onehot) ** 2, axis=1)
    else:
        per_example = -log_probs[rows, targets] / np.log(base)
    total = per_example.sum() if reduction == "sum" else per_example.mean()
    return sign * total


def _cross_entropy_cases() -> list[Case]:
    rng = np.random.default_rng(21)
    names = ("logits", "targets")
    return [
        Case("'3 examples, 4 classes'", (np.array([[2.0, 1.0, 0.1, -1.0], [0.5, 0.5, 0.5, 0.5],
                                                   [-1.0, 3.0, 0.0, 1.0]]), np.array([0, 2, 1])), names),
        Case("'random logits, 5 examples, 3 classes'", (rng.standard_normal((5, 3)) * 2, rng.integers(0, 3, 5)),
             names),
        Case("'large logits (about 1000)'", (np.array([[1000.0, 998.0, 990.0], [-1000.0, 5.0, 1001.0]]),
                                              np.array([1, 2])), names),
    ]


_CROSS_ENTROPY = Exercise(
    name="cross_entropy",
    shortcuts=("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss"),
    signature="cross_entropy(logits, targets) -> loss   (logits (B, K), targets (B,) class ids)",
    outputs=(Output("loss", "scalar"),),
    reference=_cross_entropy_variant,
    variant=_cross_entropy_variant,
    cases=_cross_entropy_cases,
    catalogue=(
        _mistake("cross_entropy", "sum", "summed over the batch instead of averaged",
                 "Your loss is the SUM over the batch; the convention (torch.nn.CrossEntropyLoss) is the mean.",
                 "divide by the batch size (use .mean() instead of .sum()).", reduction="sum"),
        _mistake("cross_entropy", "sign", "minus sign forgotten",
                 "Your loss is negative: it is log p(target), not -log p(target).",
                 "the loss is -log p(target), a positive number that is 0 only for a certain, correct prediction.",
                 sign=-1.0),
        _mistake("cross_entropy", "softmax_first", "softmax applied to the logits first",
                 "Your function applies softmax to numbers that are already probabilities (softmax twice), "
                 "the mistake of feeding softmax outputs to torch.nn.CrossEntropyLoss.",
                 "compute log_softmax of the raw logits once.", softmax_first=True),
        _mistake("cross_entropy", "log2", "logarithm to base 2",
                 "Your loss is in bits (log2); PyTorch and this book use the natural log (nats).",
                 "use np.log, or divide your value by log2(e).", base=2.0),
        _mistake("cross_entropy", "mse", "squared error on the probabilities",
                 "Your function returns the squared error between softmax(logits) and the one-hot target.",
                 "cross-entropy is -log of the probability of the correct class; see the section above on "
                 "why it, and not the squared error, is the loss for classification.", mse=True),
        _mistake("cross_entropy", "axis", "softmax over the wrong axis",
                 "Your softmax normalises over the batch (axis 0) instead of over the classes.",
                 "normalise each ROW: logsumexp over axis=1, with keepdims=True.", axis=0),
    ),
    equations="""
loss = -(1/B) sum_b log p_b[target_b],   p_b = softmax(logits_b)
log softmax(z)_k = z_k - m - log sum_j exp(z_j - m)   for any constant m; m = max_j z_j avoids overflow
""",
    see="Chapter 1, 'Why cross-entropy for classification'",
)


def cross_entropy(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(logits, targets) -> mean cross-entropy`` (natural log, stable for large logits)."""
    result = run_exercise(_CROSS_ENTROPY, fn, hint)
    if not result and callable(fn):
        big = _cross_entropy_cases()[-1].args
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(fn(np.array(big[0]), np.array(big[1])), dtype=np.float64)
        except Exception:
            return result
        if value.size == 1 and not np.isfinite(value).all():
            extra = ("  Hint for the large logits: exp(1000) overflows to inf. Subtract each row's maximum "
                     "before exponentiating (the log-sum-exp trick); it does not change the softmax.")
            say(extra)
            result.text += extra + "\n"
    return result


# ------------------------------------------------------------- embedding_backward


def _embedding_backward_variant(ids, d_vectors, vocab_size, *, accumulate: str = "add"):
    """Gradient of ``table[ids]`` w.r.t. the table: rows of repeated ids add up, or a mistaken version."""
    ids = np.asarray(ids)
    d_vectors = np.asarray(d_vectors, dtype=np.float64)
    d_table = np.zeros((vocab_size, d_vectors.shape[1]))
    if accumulate == "add":
        np.add.at(d_table, ids, d_vectors)
    elif accumulate == "overwrite":  # d_table[ids] += d_vectors keeps only one of the repeats
        d_table[ids] += d_vectors
    elif accumulate == "mean":
        np.add.at(d_table, ids, d_vectors)
        counts = np.bincount(ids, minlength=vocab_size)
        d_table /= np.maximum(counts, 1)[:, None]
    elif accumulate == "dense":  # every row receives the sum of all gradients
        d_table += d_vectors.sum(axis=0)
    return d_table


def _embedding_cases() -> list[Case]:
    rng = np.random.default_rng(22)
    names = ("ids", "d_vectors", "vocab_size")
    return [
        Case("'ids [1, 3, 1] (a repeated word), vocabulary 5, size 2'",
             (np.array([1, 3, 1]), np.array([[1.0, 2.0], [3.0, 4.0], [10.0, 20.0]]), 5), names),
        Case("'8 random ids with repeats, vocabulary 6, size 3'",
             (rng.integers(0, 6, 8), rng.standard_normal((8, 3)), 6), names),
        Case("'distinct ids [4, 0], vocabulary 7, size 4'", (np.array([4, 0]), rng.standard_normal((2, 4)), 7),
             names),
    ]


_EMBEDDING_BACKWARD = Exercise(
    name="embedding_backward",
    shortcuts=("Embedding", "embedding", "backward", "autograd"),
    signature="embedding_backward(ids, d_vectors, vocab_size) -> d_table   (vocab_size, E)",
    outputs=(Output("d_table"),),
    reference=_embedding_backward_variant,
    variant=_embedding_backward_variant,
    cases=_embedding_cases,
    catalogue=(
        _mistake("embedding_backward", "overwrite", "repeated ids overwrite each other (d_table[ids] += ...)",
                 "With numpy fancy indexing, `d_table[ids] += d_vectors` adds only ONE of the gradients of a "
                 "repeated id: the others are lost. A word used twice must receive both gradients.",
                 "accumulate position by position (a loop does it; numpy also has an unbuffered in-place add for this).", accumulate="overwrite"),
        _mistake("embedding_backward", "mean", "gradients of a repeated id averaged",
                 "Your function averages the gradients of a repeated id; the chain rule ADDS them (the same "
                 "row is used twice, so it influences the loss twice).",
                 "add the gradients of the positions that read the same row; do not divide.", accumulate="mean"),
        _mistake("embedding_backward", "dense", "every row receives the summed gradient",
                 "Every row of your d_table holds the sum of all gradients; only the rows that were looked up "
                 "get a gradient, the others stay zero.",
                 "start from zeros and add d_vectors[k] to row ids[k] only.", accumulate="dense"),
    ),
    equations="""
Forward: position k reads row ids[k] of the table (a lookup).
Backward: row w of d_table is the SUM of the gradients of every position k with ids[k] = w
(zero for a word that does not occur); repeated ids must add up, not overwrite each other.
""",
    see="Chapter 1, 'Word embeddings: a lookup table'",
)


def embedding_backward(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(ids, d_vectors, vocab_size) -> d_table``, the gradient of an embedding lookup."""
    return run_exercise(_EMBEDDING_BACKWARD, fn, hint)


# ------------------------------------------------------------------- rnn_jacobian


def _rnn_jacobian_variant(h_next, weight_hh, *, slope: str = "1-h^2", side: str = "rows", transpose: bool = False):
    """dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh of a tanh RNN step, or a mistaken version."""
    h = np.asarray(h_next, dtype=np.float64)
    W = np.asarray(weight_hh, dtype=np.float64)
    d = {"1-h^2": 1 - h**2, "none": np.ones_like(h), "1-h": 1 - h, "1-tanh(h)^2": 1 - np.tanh(h) ** 2}[slope]
    J = d[:, None] * W if side == "rows" else W * d[None, :]
    return J.T if transpose else J


def _jacobian_cases() -> list[Case]:
    rng = np.random.default_rng(23)
    names = ("h_next", "weight_hh")
    return [
        Case("'H = 2, W = [[0.5, 2], [-1, 0.3]]'", (np.array([0.6, -0.2]), np.array([[0.5, 2.0], [-1.0, 0.3]])),
             names),
        Case("'H = 4, random'", (np.tanh(rng.standard_normal(4)), rng.standard_normal((4, 4))), names),
        Case("'H = 3, saturated units (h near +-1)'", (np.array([0.999, -0.98, 0.1]), rng.standard_normal((3, 3))),
             names),
    ]


_RNN_JACOBIAN = Exercise(
    name="rnn_jacobian",
    signature="rnn_jacobian(h_next, weight_hh) -> J   (H, H), J[i, j] = d h_t[i] / d h_{t-1}[j]",
    outputs=(Output("J"),),
    reference=_rnn_jacobian_variant,
    variant=_rnn_jacobian_variant,
    cases=_jacobian_cases,
    catalogue=(
        _mistake("rnn_jacobian", "no_slope", "tanh's derivative forgotten",
                 "Your Jacobian is W_hh itself: it is the Jacobian of a LINEAR RNN.",
                 "h_t = tanh(a_t), so multiply row i of W_hh by tanh'(a_t[i]) = 1 - h_t[i]**2.", slope="none"),
        _mistake("rnn_jacobian", "columns", "columns scaled instead of rows",
                 "Your function scales column j of W_hh by 1 - h[j]**2 (W_hh @ diag(...)).",
                 "unit i's derivative multiplies ROW i: J = diag(1 - h_t^2) W_hh, the diagonal matrix on the LEFT.",
                 side="columns"),
        _mistake("rnn_jacobian", "transposed", "transposed",
                 "Your J is the transpose of the Jacobian: J[i, j] should be d h_t[i] / d h_{t-1}[j].",
                 "a_t[i] = sum_j W_hh[i, j] h_{t-1}[j] + ..., so row i belongs to output unit i.", transpose=True),
        _mistake("rnn_jacobian", "one_minus_h", "slope 1 - h instead of 1 - h**2",
                 "Your function uses 1 - h as the slope of tanh.",
                 "tanh'(a) = 1 - tanh(a)**2 = 1 - h**2.", slope="1-h"),
        _mistake("rnn_jacobian", "tanh_again", "tanh applied to h again",
                 "Your function uses 1 - tanh(h)**2, treating h as the pre-activation; h already IS tanh(a).",
                 "use 1 - h**2 directly.", slope="1-tanh(h)^2"),
    ),
    equations="""
h_t = tanh(a_t),   a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
J = dh_t / dh_{t-1} = diag(1 - h_t^2) W_hh       (row j of W_hh scaled by 1 - h_t[j]^2)
""",
    see="Chapter 2, 'One step of the chain'",
)


def rnn_jacobian(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(h_next, weight_hh) -> dh_t/dh_{t-1}`` for a tanh RNN (one example, shapes (H,), (H, H))."""
    return run_exercise(_RNN_JACOBIAN, fn, hint)


# ----------------------------------------------------------------- gradient_bound


def _gradient_bound_variant(weight_hh, activation, *, measure: str = "singular", gamma: str = "right"):
    """gamma * sigma_max(W_hh), or a mistaken version (eigenvalues, Frobenius norm, wrong gamma)."""
    W = np.asarray(weight_hh, dtype=np.float64)
    size = {
        "singular": lambda: np.linalg.norm(W, ord=2),
        "eigen": lambda: np.max(np.abs(np.linalg.eigvals(W))),
        "frobenius": lambda: np.linalg.norm(W),
        "max_entry": lambda: np.max(np.abs(W)),
    }[measure]()
    g = {"right": SLOPE_BOUND[activation], "one": 1.0, "inverted": 1.0 / SLOPE_BOUND[activation]}[gamma]
    return float(g * size)


def _bound_cases() -> list[Case]:
    rng = np.random.default_rng(24)
    non_normal = np.array([[0.5, 10.0], [0.0, 0.5]])
    names = ("weight_hh", "activation")
    return [
        Case("'W = [[0.5, 10], [0, 0.5]] (non-normal), tanh'", (non_normal, "tanh"), names),
        Case("'random 4 x 4, sigmoid'", (rng.standard_normal((4, 4)), "sigmoid"), names),
        Case("'random 3 x 3, tanh'", (rng.standard_normal((3, 3)), "tanh"), names),
        Case("'W = [[0.5, 10], [0, 0.5]] (non-normal), sigmoid'", (non_normal, "sigmoid"), names),
    ]


_GRADIENT_BOUND = Exercise(
    name="gradient_bound",
    shortcuts=("vanishing_bound", "largest_singular_value"),
    signature='gradient_bound(weight_hh, activation) -> eta   (activation "tanh" or "sigmoid")',
    outputs=(Output("eta", "scalar"),),
    reference=_gradient_bound_variant,
    variant=_gradient_bound_variant,
    cases=_bound_cases,
    catalogue=(
        _mistake("gradient_bound", "eigenvalues", "spectral radius (largest |eigenvalue|) used",
                 "Your bound uses the largest absolute eigenvalue. For a non-normal W_hh it can be far below "
                 "the largest singular value (0.5 against 10.02 for [[0.5, 10], [0, 0.5]]), and then "
                 "the 'bound' is not a bound: the myth M4.",
                 "use the largest singular value (the spectral norm, numpy's matrix 2-norm).", measure="eigen"),
        _mistake("gradient_bound", "frobenius", "Frobenius norm used",
                 "Your bound uses the Frobenius norm; it is an upper bound on sigma_max, so still valid, but "
                 "loose: the condition the theory states uses sigma_max itself.",
                 "use the spectral norm, the largest singular value; the Frobenius norm is larger.", measure="frobenius"),
        _mistake("gradient_bound", "max_entry", "largest entry used",
                 "Your bound uses the largest |entry| of W_hh, which is not a norm of the matrix as an operator.",
                 "use the largest singular value (the spectral norm).", measure="max_entry"),
        _mistake("gradient_bound", "gamma_one", "gamma ignored (always 1)",
                 "Your bound is sigma_max for the sigmoid too; its slope is at most 1/4, so gamma = 1/4.",
                 "multiply by gamma = sup|f'|: 1 for tanh, 0.25 for the sigmoid.", gamma="one"),
        _mistake("gradient_bound", "gamma_inverted", "divided by gamma",
                 "Your bound is sigma_max / gamma (4 sigma_max for the sigmoid). The condition is "
                 "sigma_max < 1/gamma, i.e. gamma * sigma_max < 1.",
                 "multiply by gamma instead of dividing.", gamma="inverted"),
        _mistake("gradient_bound", "eigen_gamma_one", "eigenvalues AND gamma ignored",
                 "Your bound is the spectral radius, with no gamma for the sigmoid.",
                 "eta = gamma * largest singular value.", measure="eigen", gamma="one"),
    ),
    equations="""
||dh_t/dh_{t-1}|| = ||diag(f'(a_t)) W_hh|| <= gamma * sigma_max(W_hh) = eta
gamma = sup |f'|: 1 for tanh, 1/4 for the sigmoid;  sigma_max = the largest singular value (spectral norm)
""",
    see="Chapter 2, 'The condition, stated correctly'",
)


def gradient_bound(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(weight_hh, activation) -> gamma * sigma_max(weight_hh)``."""
    return run_exercise(_GRADIENT_BOUND, fn, hint)


# ------------------------------------------------------------------ copy_baseline


def _copy_baseline_variant(T, n_symbols, copy_length, *, log: str = "ln", length: str = "T+2L",
                          guess: str = "symbols"):
    """copy_length * ln(n_symbols) / (T + 2 copy_length), or a mistaken version."""
    classes = {"symbols": n_symbols, "all": n_symbols + 2}[guess]
    nats = copy_length * {"ln": np.log, "log2": np.log2}[log](classes)
    steps = {"T+2L": T + 2 * copy_length, "T+L": T + copy_length, "T": T, "1": 1, "T+20": T + 20}[length]
    return float(nats / steps)


def _copy_cases() -> list[Case]:
    names = ("T", "n_symbols", "copy_length")
    return [Case("'T = 100, 8 symbols, copy 10'", (100, 8, 10), names),
            Case("'T = 30, 5 symbols, copy 4'", (30, 5, 4), names),
            Case("'T = 1000, 8 symbols, copy 10'", (1000, 8, 10), names)]


_COPY_BASELINE = Exercise(
    name="copy_baseline",
    shortcuts=("copy_baseline",),
    signature="copy_baseline(T, n_symbols, copy_length) -> nats per step",
    outputs=(Output("baseline", "scalar"),),
    reference=_copy_baseline_variant,
    variant=_copy_baseline_variant,
    cases=_copy_cases,
    catalogue=(
        _mistake("copy_baseline", "log2", "log to base 2", "Your baseline is in bits; the loss is in nats.",
                 "use np.log (natural log).", log="log2"),
        _mistake("copy_baseline", "all_classes", "guessing among all classes",
                 "Your strategy guesses uniformly among all n_symbols + 2 token ids; after the delimiter the "
                 "best memoryless guess is uniform over the n_symbols data symbols only.",
                 "use ln(n_symbols) per guessed step.", guess="all"),
        _mistake("copy_baseline", "no_average", "not averaged over the steps",
                 "Your value is the TOTAL loss of one sequence; the loss is the mean over all steps.",
                 "divide by the sequence length T + 2 * copy_length.", length="1"),
        _mistake("copy_baseline", "length_T", "divided by T",
                 "Your value is divided by T, but a sequence has T + 2 * copy_length steps.",
                 "divide by T + 2 * copy_length.", length="T"),
        _mistake("copy_baseline", "length_T_L", "divided by T + copy_length",
                 "Your value is divided by T + copy_length; a sequence has T + 2 * copy_length steps "
                 "(copy_length symbols, T - 1 blanks, the delimiter, copy_length blanks).",
                 "divide by T + 2 * copy_length.", length="T+L"),
        _mistake("copy_baseline", "hard_coded", "T + 20 hard-coded",
                 "Your value uses T + 20 whatever copy_length is; 20 = 2 * 10 only for copy_length = 10.",
                 "divide by T + 2 * copy_length.", length="T+20"),
    ),
    equations="""
A memoryless model cannot recall the symbols, but it knows WHEN each kind of output comes:
where the target is certainly the blank it can predict the blank with probability 1 (loss 0);
where a symbol must be recalled its best guess is uniform over the n_symbols symbols
(loss ln n_symbols per step). The task's loss is the mean over all T + 2 * copy_length steps.
""",
    see="Chapter 2, 'The copy task'",
)


def copy_baseline(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(T, n_symbols, copy_length)``: the memoryless cross-entropy on the copy task."""
    return run_exercise(_COPY_BASELINE, fn, hint)


# ------------------------------------------------------------- numerical_gradient


def _numerical_gradient_variant(f, x, eps, *, scheme: str = "centred", restore: bool = True):
    """Finite-difference gradient of a scalar ``f`` at ``x``, one entry at a time, or a mistaken version.

    ``scheme``: ``"centred"`` (correct), ``"forward"`` (one-sided), ``"no_half"`` (centred
    difference divided by eps instead of 2 eps), ``"backwards_sign"`` (the two values
    subtracted the wrong way round), ``"all_at_once"`` (every entry moved together).
    ``restore=False`` leaves each entry moved by -eps after its difference.
    """
    x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    grad = np.zeros_like(x, dtype=np.float64)
    if scheme == "all_at_once":
        value = (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)
        return np.full_like(grad, value)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = float(f(x))
        flat[i] = old - eps
        minus = float(f(x))
        flat[i] = old
        base = float(f(x)) if scheme == "forward" else None
        if not restore:
            flat[i] = old - eps
        out[i] = {
            "centred": lambda: (plus - minus) / (2 * eps),
            "forward": lambda: (plus - base) / eps,
            "no_half": lambda: (plus - minus) / eps,
            "backwards_sign": lambda: (minus - plus) / (2 * eps),
        }[scheme]()
    return grad


def _rnn_loss(T: int = 6, seed: int = 3):
    """The loss 0.5 * ||h_T||^2 of a small tanh RNN, as a function of W_hh (BPTT's quantity)."""
    rng = np.random.default_rng(seed)
    H, D = 3, 2
    xs, w_ih = rng.standard_normal((T, D)), 0.7 * rng.standard_normal((H, D))

    def loss(w_hh):
        h = np.zeros(H)
        for x_t in xs:
            h = np.tanh(w_ih @ x_t + w_hh @ h)
        return 0.5 * float(h @ h)

    return loss, 0.5 * rng.standard_normal((H, H))


def _numerical_gradient_cases() -> list[Case]:
    names = ("f", "x", "eps")
    rnn_loss, w_hh = _rnn_loss()
    return [
        Case("'f(x) = sum(x**3), x of shape (4,)'", (lambda x: float(np.sum(x ** 3)), np.array([0.5, -1.0, 2.0, 0.1]), 1e-3),
             names),
        Case("'f(W) = sum(exp(W) * W), W of shape (2, 3)'",
             (lambda w: float(np.sum(np.exp(w) * w)), np.linspace(-1.0, 1.5, 6).reshape(2, 3), 1e-4), names),
        Case("'the loss of a tanh RNN after 6 steps, as a function of W_hh (3, 3)'", (rnn_loss, w_hh, 1e-5), names),
    ]


_NUMERICAL_GRADIENT = Exercise(
    name="numerical_gradient",
    shortcuts=("numerical_gradient", "numerical_param_gradients", "check_layer_gradients", "gradcheck"),
    signature="numerical_gradient(f, x, eps) -> grad   (f(x) a number; grad has the shape of x)",
    outputs=(Output("grad"),),
    reference=lambda f, x, eps: _numerical_gradient_variant(f, x, eps),
    variant=_numerical_gradient_variant,
    cases=_numerical_gradient_cases,
    catalogue=(
        _mistake("numerical_gradient", "forward", "one-sided (forward) difference",
                 "Your gradient matches (f(x + eps) - f(x)) / eps. It is a valid estimate, but its error "
                 "shrinks only like eps, so a gradient check with it cannot tell a small bug from the "
                 "estimate's own error.",
                 "evaluate f on BOTH sides of x, at x + eps and at x - eps: the error then shrinks like eps^2.",
                 scheme="forward"),
        _mistake("numerical_gradient", "no_half", "the centred difference not divided by 2 eps",
                 "Your gradient is twice the right one: the two evaluation points are 2 eps apart.",
                 "the distance between x - eps and x + eps is 2 eps.", scheme="no_half"),
        _mistake("numerical_gradient", "backwards_sign", "the difference taken the wrong way round",
                 "Your gradient has the right size but the opposite sign.",
                 "a slope is (value on the right - value on the left) / distance.", scheme="backwards_sign"),
        _mistake("numerical_gradient", "all_at_once", "every entry moved at once",
                 "Your function moves all entries of x together, which measures the derivative along the "
                 "diagonal direction (the SUM of the partial derivatives), the same number in every entry.",
                 "move one entry at a time; every other entry stays where it was.", scheme="all_at_once"),
        _mistake("numerical_gradient", "not_restored", "x not put back after each entry",
                 "After measuring the slope along an entry, your function leaves that entry moved, so every "
                 "later entry is measured at a different point, and the caller's x is changed.",
                 "after the two evaluations, set the entry back to its original value.", restore=False),
    ),
    equations="""
df/dx_i ~ ( f(x + eps e_i) - f(x - eps e_i) ) / (2 eps)      e_i = the unit vector along entry i
one entry at a time; x is back to its original value afterwards (the caller's array too);
the error of this centred difference shrinks like eps^2, that of a one-sided difference like eps""",
    see="Chapter 1, 'Checking BPTT against finite differences'",
    rtol=1e-7,
    atol=1e-9,
)


def numerical_gradient(fn, hint: int = 0) -> CheckResult:
    """Check ``fn(f, x, eps) -> grad``: the centred finite-difference gradient of a scalar function."""
    return run_exercise(_NUMERICAL_GRADIENT, fn, hint)


#: The checkers of this module with their exercises, like ``lstm_edu.check._EXERCISES``.
_EXERCISES: dict[str, tuple[Exercise, ...]] = {
    "cross_entropy": (_CROSS_ENTROPY,),
    "embedding_backward": (_EMBEDDING_BACKWARD,),
    "rnn_jacobian": (_RNN_JACOBIAN,),
    "gradient_bound": (_GRADIENT_BOUND,),
    "copy_baseline": (_COPY_BASELINE,),
    "numerical_gradient": (_NUMERICAL_GRADIENT,),
}

__all__ = ["copy_baseline", "cross_entropy", "embedding_backward", "gradient_bound", "numerical_gradient",
           "rnn_jacobian"]
