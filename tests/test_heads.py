"""Trained heads: deterministic training, save/load round trip, the shipped heads predict."""

import numpy as np
import pytest

from callqa.models.emotion import EKMAN, EMOTIONS, SENTIMENT, group_max
from callqa.models.encoder import load_encoder
from callqa.models.heads import best_thresholds, load_head, save_head, train_head


def toy_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    y = np.stack([x[:, 0] > 0, x[:, 1] > 0.5, x[:, 0] + x[:, 2] > 1], axis=1).astype(np.float32)
    return x, y


@pytest.mark.parametrize("hidden", [0, 16])
def test_training_is_deterministic_and_learns(hidden):
    x, y = toy_data()
    runs = [
        train_head("toy", ("a", "b", "c"), x, y, multi_label=True, hidden=hidden, epochs=200,
                   validation=(x[:100], y[:100]))
        for _ in range(2)
    ]  # fmt: skip
    for (w1, b1), (w2, b2) in zip(runs[0].layers, runs[1].layers, strict=True):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
    assert len(runs[0].layers) == (2 if hidden else 1)
    accuracy = (runs[0].decide(runs[0].scores(x)) == y).mean()
    assert accuracy > 0.85


def test_a_saved_head_loads_with_the_same_predictions(tmp_path):
    x, y = toy_data()
    head = train_head("toy", ("no", "yes"), x, np.stack([1 - y[:, 0], y[:, 0]], 1),
                      multi_label=False, hidden=4, epochs=5)  # fmt: skip
    save_head(head, tmp_path)
    loaded = load_head("toy", str(tmp_path))
    assert loaded.labels == ("no", "yes") and not loaded.multi_label
    assert np.array_equal(loaded.scores(x), head.scores(x))
    decisions = loaded.decide(loaded.scores(x))
    assert decisions.sum(axis=1).tolist() == [1] * len(x)  # one label per row
    assert np.allclose(loaded.scores(x).sum(axis=1), 1, atol=1e-5)


def test_missing_head_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="callqa train"):
        load_head("nothing", str(tmp_path))


def test_best_thresholds_pick_the_f1_maximising_cut():
    scores = np.array([[0.9], [0.8], [0.35], [0.3], [0.1]])
    truth = np.array([[1], [1], [1], [0], [0]])
    assert best_thresholds(scores, truth)[0] == pytest.approx(0.35)


def test_groupings_cover_every_emotion_once():
    for grouping in (EKMAN, SENTIMENT):
        members = [name for group in grouping.values() for name in group]
        assert sorted(members) == sorted(EMOTIONS)
    decisions = np.zeros((1, len(EMOTIONS)))
    decisions[0, EMOTIONS.index("annoyance")] = 1
    assert group_max(decisions, EKMAN)[0].tolist() == [1, 0, 0, 0, 0, 0, 0]


@pytest.mark.slow
def test_shipped_heads_read_customer_emotion_and_agent_politeness():
    encoder = load_encoder()
    emotion, polite = load_head("emotion"), load_head("politeness")
    assert emotion.labels == EMOTIONS and emotion.multi_label
    feelings = emotion.scores(encoder.encode([
        "This is ridiculous, I am so angry that nobody has fixed this yet!",
        "Thank you so much, you've been really helpful.",
        "I don't understand what you mean, can you explain?",
    ]))  # fmt: skip
    top = [EMOTIONS[i] for i in feelings.argmax(axis=1)]
    assert top[0] in SENTIMENT["negative"]
    assert top[1] == "gratitude"
    assert top[2] in {"confusion", "curiosity"}
    rudeness = polite.scores(encoder.encode([
        "Could you please check that for me? Thanks so much for your help!",
        "Why didn't you read the manual? Just do what I said.",
    ]))[:, polite.labels.index("polite")]  # fmt: skip
    assert rudeness[0] > 0.5 > rudeness[1]


def test_digest_follows_the_tensors_not_the_file(tmp_path):
    x, y = toy_data()
    head = train_head("toy", ("a", "b", "c"), x, y, multi_label=True, epochs=2)
    save_head(head, tmp_path / "one")
    save_head(head, tmp_path / "two")
    first, second = load_head("toy", str(tmp_path / "one")), load_head("toy", str(tmp_path / "two"))
    assert first.digest() == second.digest() == head.digest()
    other = train_head("toy", ("a", "b", "c"), x, y, multi_label=True, epochs=2, seed=1)
    assert other.digest() != head.digest()
