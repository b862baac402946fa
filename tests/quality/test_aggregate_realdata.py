"""On real crowd data the kit's aggregation equals crowd-kit's own call (skipped when absent).

CIFAR-10N (categorical, MTurk) and CrowdSpeech (Toloka transcriptions) from
../shared/realdata/crowd, read through the CLI's reader; subsets keep each
test within a few seconds (GLAD and ROVER are the slow ones).
"""

import crowdkit.aggregation as ck
import pandas as pd
import pytest

from tutorial_lib.quality.aggregate import MACE_DEFAULTS, make_label_aggregator
from tutorial_lib.quality.commands import register
from tutorial_lib.quality.io import read_crowd_file
from tutorial_lib.quality.text_aggregate import ROVER, TextHRRASA, char_ngram_encoder

pytestmark = pytest.mark.realdata
from realdata_helpers import realdata_path


@pytest.fixture(scope="module")
def cifar():
    """CIFAR-10N labels of the first 400 images, as the kit reads them and as pandas does."""
    path = realdata_path("crowd", "cifar10n", "train_toloka.csv")
    kit = read_crowd_file(path)
    kit = kit[kit.task.astype(int) < 400].reset_index(drop=True)
    raw = pd.read_csv(path, dtype=str)
    raw = raw[raw.task.astype(int) < 400][["task", "worker", "label"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(kit, raw)  # the reader keeps every row as written
    gold = pd.read_csv(realdata_path("crowd", "cifar10n", "labels.csv"))
    return kit, raw, dict(zip(gold.img_index.astype(str), gold.clean_label.astype(str)))


DIRECT = {
    "mv": lambda: ck.MajorityVote(),
    "wawa": lambda: ck.Wawa(),
    "ds": lambda: ck.DawidSkene(n_iter=100),
    "glad": lambda: ck.GLAD(n_iter=100),
    "mace": lambda: ck.MACE(random_state=0, **MACE_DEFAULTS),
}


@pytest.mark.parametrize("method", list(DIRECT))
def test_labels_equal_crowdkit_on_cifar10n(cifar, method):
    kit_df, raw, gold = cifar
    n = 120 if method in ("glad", "mace") else 400  # the slow two on fewer images
    kit_df, raw = (d[d.task.astype(int) < n] for d in (kit_df, raw))
    ours = make_label_aggregator(method).fit(kit_df).result_frame().set_index("task")
    model = DIRECT[method]()
    theirs = model.fit_predict(raw)
    assert len(ours) == n
    # Where crowd-kit chose a label no worker gave on the task, ours falls back to majority vote.
    given = kit_df.groupby("task")["label"].agg(set)
    honest = [t for t in ours.index if theirs[t] in given[t]]
    assert len(honest) >= 0.98 * n
    assert (ours.label[honest] == theirs.reindex(honest)).all()
    assert all(ours.label[t] in given[t] for t in ours.index)
    proba = model.probas_.max(axis=1)
    assert ours.confidence[honest].to_numpy() == pytest.approx(proba.reindex(honest).to_numpy())
    accuracy = (ours.label == ours.index.map(gold)).mean()
    assert accuracy > 0.85  # CIFAR-10N aggregate labels are ~91% right (benchmark)


@pytest.fixture(scope="module")
def speech():
    path = realdata_path("crowd", "crowdspeech", "crowdspeech-test-clean-crowd.tsv")
    df = read_crowd_file(path, "text")
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert len(df) == len(raw) == 18340  # quoted line breaks parsed as in pandas
    first = sorted(df.task.unique())[:40]
    return path, df[df.task.isin(first)].reset_index(drop=True)


def test_rover_equals_crowdkit_on_crowdspeech(speech):
    _, df = speech
    ours = ROVER().fit_predict(df)
    direct = ck.ROVER(tokenizer=lambda s: s.split(" "), detokenizer=lambda t: " ".join(t))
    theirs = direct.fit_predict(df)
    assert (ours == theirs.reindex(ours.index)).all()


def test_hrrasa_equals_crowdkit_with_the_same_encoder(speech):
    _, df = speech
    df = df[df.task.isin(sorted(df.task.unique())[:15])]
    ours = TextHRRASA().fit_predict(df)
    theirs = ck.TextHRRASA(encoder=char_ngram_encoder()).fit_predict(df, None)
    assert (ours == theirs.reindex(ours.index)).all()
    # each aggregate is one of the workers' own texts for that task
    assert all(ours[t] in set(df[df.task == t].text) for t in ours.index)


def test_cli_reads_the_real_toloka_tsv(speech, tmp_path):
    import argparse

    path, _ = speech
    small = tmp_path / "subset.tsv"
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    raw[raw["INPUT:audio"].isin(sorted(raw["INPUT:audio"].unique())[:10])].to_csv(
        small, sep="\t", index=False
    )
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "rover.csv"
    args = parser.parse_args(["aggregate", str(small), "--method", "rover", "--out", str(out)])
    assert args.func(args) == 0
    result = pd.read_csv(out, keep_default_na=False)
    assert list(result.columns) == ["task", "text"] and len(result) == 10
