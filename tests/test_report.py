from tutorial_lib.render import md_cell
from tutorial_lib.report import _overfitting_note


def test_overfitting_is_named_only_when_heldout_loss_rises():
    rising = [
        {"loss": 5.0, "step": 10},
        {"eval_loss": 6.0, "step": 10},
        {"loss": 2.0, "step": 20},
        {"eval_loss": 6.5, "step": 20},
    ]
    falling = [{"loss": 5.0}, {"eval_loss": 6.0}, {"loss": 2.0}, {"eval_loss": 5.0}]
    assert "memorising" in _overfitting_note(rising)
    assert _overfitting_note(falling) is None
    assert _overfitting_note([{"loss": 1.0}]) is None


def test_table_cells_escape_crowd_text():
    cell = md_cell("<script>alert(1)</script> | x\nnext")
    assert "<script>" not in cell and "&#124;" in cell and "\n" not in cell
    assert md_cell(0.123456789) == "0.1235"
