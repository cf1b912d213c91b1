"""The instructor's answer key: every exercise's solution and why it is right.

Written by ``python -m lstm_edu.classroom`` (``make student``) into the instructor edition only,
``_build/instructor/answer-key.md`` (and so into ``instructor.zip``): never into the student
edition or the HTML book.  The solutions are read from the notebooks' solution regions, so the
key cannot drift from them; the explanations are written here, one per checker.  Only nbformat
and numpy are needed (``make student`` runs without torch).
"""

from __future__ import annotations

from pathlib import Path

from lstm_edu.classroom.editions import SOLUTION, find_regions, list_exercises
from lstm_edu.classroom.notebooks import cell_source, read_notebook

#: Why each exercise's solution is right, keyed by the checker that grades it.
EXPLANATIONS: dict[str, str] = {
    "tanh_derivative": (
        "tanh'(a) = 1 - tanh(a)^2. The function receives t = tanh(a), the value the forward pass already "
        "stored, so the slope is 1 - t^2 with no second tanh: this is why BPTT caches outputs."),
    "cross_entropy": (
        "log softmax(z)_k = z_k - m - log sum_j exp(z_j - m) for any m; taking m as the row maximum keeps "
        "every exponent <= 0, so nothing overflows for logits around 1000. The loss picks the log-probability "
        "of each row's target (fancy indexing with arange(B) and the targets) and averages over the batch."),
    "embedding_backward": (
        "A lookup copies row ids[k] of the table into position k, so the table's gradient scatters each "
        "position's gradient back to its row, and repeated ids ADD. `d_table[ids] += d_vectors` is the classic "
        "trap: numpy reads the indexed rows, adds, and writes them back, so for a repeated id the last write "
        "wins and the other gradients are lost; np.add.at accumulates every one."),
    "rnn_jacobian": (
        "h_t = tanh(a_t) with a_t = ... + W_hh h_{t-1}: by the chain rule dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh. "
        "Multiplying by a diagonal matrix on the left scales ROW i by 1 - h_t[i]^2, which broadcasting does "
        "with a column vector, (1 - h**2)[:, None] * W_hh."),
    "gradient_bound": (
        "||diag(f') W|| <= ||diag(f')|| ||W|| <= gamma * sigma_max(W), where gamma = sup |f'| (1 for tanh, 1/4 "
        "for the sigmoid) and sigma_max is the spectral norm, np.linalg.norm(W, ord=2). The spectral radius is "
        "not a bound on a single factor for non-normal matrices."),
    "clip_grad_norm": (
        "One norm over ALL arrays together, so every array is scaled by the same factor and the update keeps "
        "its direction; scale only when the norm exceeds max_norm; change the arrays in place (the caller's "
        "optimiser reads them); return the norm before clipping, which is what is worth logging."),
    "copy_baseline": (
        "Without memory the best a model can do is to know WHERE things happen: it predicts the blank with "
        "probability 1 wherever the blank is certain (loss 0), and guesses uniformly among n symbols on the "
        "copy_length recall steps (ln n each). Averaged over all T + 2 * copy_length steps: "
        "copy_length * ln(n) / (T + 2 * copy_length)."),
    "numerical_gradient": (
        "The centred difference (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) has an error of order eps^2, the "
        "one-sided one of order eps, so only the centred one separates a real bug (relative error ~1e-3) from "
        "the estimate's own error (~1e-10 in float64 with eps = 1e-5). Each entry is moved, evaluated and put "
        "back, so the other partial derivatives are measured at the same point and the caller's x survives."),
    "lstm_step": (
        "One affine map computes the four pre-activations at once, x W_ih^T + b_ih + h W_hh^T + b_hh, (B, 4H); "
        "PyTorch's blocks are i, f, g, o. The three gates use the sigmoid (multipliers in (0, 1)), the "
        "candidate tanh (a value to add); the cell update is additive, c_t = f c_{t-1} + i g, and the output "
        "gate reads a squashed cell, h_t = o tanh(c_t)."),
    "cifg_lstm_step": (
        "The coupled variant (Greff et al.'s CIFG) computes no forget gate of its own: f = 1 - i, so the cell "
        "makes room exactly as much as it writes. The forget rows of the parameters are simply ignored."),
    "set_forget_bias": (
        "The forget gate sees bias_ih + bias_hh on rows H:2H (order i, f, g, o). Setting bias_ih's rows to the "
        "value and bias_hh's to 0 makes the sum exact whatever PyTorch initialised; named_parameters() visits "
        "every layer and direction (names ending in _reverse); parameters that require gradients must be "
        "changed inside torch.no_grad()."),
    "lstm_step_backward": (
        "Recompute the forward step, then go backwards: the cell receives dc_next plus what arrives through "
        "h_t = o tanh(c_t), i.e. dh_next * o * (1 - tanh(c_t)^2); each gate's pre-activation gradient is that "
        "times the other factor of its product times its own slope (s(1 - s) for a sigmoid, 1 - g^2 for the "
        "candidate); stacked in the order i, f, g, o they give dx and dh_prev through the weights, the weight "
        "gradients da^T x and da^T h_prev, the bias gradients the batch sum, and dc_prev = dc * f."),
    "gru_step": (
        "r and z add their input and recurrent parts before the sigmoid; the candidate applies the reset AFTER "
        "the recurrent product, to (h W_hn^T + b_hn), which is why PyTorch keeps two bias vectors; and "
        "h_t = (1 - z) n + z h_{t-1}, so z near 1 keeps the old state."),
    "flip_update_convention": (
        "1 - sigmoid(a) = sigmoid(-a): negating the z pre-activation, i.e. rows H:2H of all four arrays, turns "
        "z into 1 - z, so a GRU written the other way round computes exactly PyTorch's output. Copy the arrays "
        "first: the caller's params must not change."),
    "count_parameters": (
        "G stacked blocks (1, 3, 4) each own H rows of weight_ih (D columns) and weight_hh (H columns) and an "
        "entry in each of the two bias vectors: G*H*(D + H) + 2*G*H. Keras counts one bias vector."),
    "decoder_inputs": (
        "Teacher forcing feeds the target of step t - 1 at step t, and bos at step 0: the targets shifted one "
        "step later along the time axis, bos in front, the last target dropped (it is never an input)."),
    "greedy_decode": (
        "Start from bos; at each step call the step function with the current token and state, keep the new "
        "state, take the arg max of the logits as the next token and the next input; stack the generated "
        "tokens along dim 1, without bos."),
    "exact_match": (
        "A sequence counts only if every step matches: .all(dim=1) over time, then the mean over the batch as "
        "a fraction. Token accuracy (the mean over all tokens) is a different, kinder number."),
    "last_valid_output": (
        "The last real step of sequence b is lengths[b] - 1; advanced indexing with torch.arange(B) and "
        "lengths - 1 picks one (b, t) pair per row. outputs[:, -1] reads after the padding."),
    "bidirectional_summary": (
        "The forward half (first H features) has read the whole sequence at the last real step; the backward "
        "half (last H features) reads right to left and has read everything at step 0. Concatenated, forward "
        "first, they equal the two last rows of h_n for a packed batch."),
    "lstm_parameter_count": (
        "Per layer and direction 4H(D_k + H + 2): four blocks, input width D_k, recurrent width H, two bias "
        "vectors. D_0 is the input size; above the first layer the input is the output of the layer below, H "
        "features, or 2H when bidirectional."),
    "pad_and_truncate": (
        "Keep each review's first max_len ids, pad at the END with id 0 (the padding id, not the unknown-word "
        "id) to the longest kept length, and return the kept lengths, which masking and packing need."),
    "masked_mean": (
        "Build the mask t < lengths[b] from the lengths, zero the padding with masked_fill (multiplying by the "
        "mask turns an inf in the padding into nan) and divide the sum by each review's length."),
    "masked_max": (
        "Fill the padding with -inf before the maximum, so padding can never win, whatever it holds; a fill "
        "of 0 fails whenever all real values are negative."),
}


def _solution(source: str, name: str) -> str:
    lines = source.split("\n")
    kept = []
    regions = [region for region in find_regions(source, name) if region.kind == SOLUTION]
    skip = {region.begin for region in regions} | {region.end for region in regions}
    for number, line in enumerate(lines):
        if number not in skip:
            kept.append(line)
    return "\n".join(kept).strip("\n")


def answer_key(notebooks: str | Path = "notebooks") -> str:
    """The answer key as Markdown (solutions read from the notebooks)."""
    parts = ["# Answer key (instructor edition only)", "",
             "Every exercise of the chapters: the solution (from the notebook) and why it is right. The mistakes "
             "each check recognises by name are listed in the teacher's guide (*How the checks work*). Written "
             "by `python -m lstm_edu.classroom`; do not hand it out.", ""]
    for path in sorted(Path(notebooks).glob("*.ipynb")):
        notebook = read_notebook(path)
        exercises = list_exercises(notebook, path.name)
        if not exercises:
            continue
        parts += [f"## {path.stem}", ""]
        for info in exercises:
            title = info.title if info.title.lower().startswith("exercise") else f"Exercise {info.number}: {info.title}"
            parts += [f"### {title}", "", "```python",
                      _solution(cell_source(notebook.cells[info.cell]), path.name), "```", ""]
            for name in info.checks:
                if name in EXPLANATIONS:
                    parts += [f"**Why** (checked by `check.{name}`). {EXPLANATIONS[name]}", ""]
    return "\n".join(parts)
