"""Another tool's whole line in one go (issue 27): the word2vec C tool's options on the command
line, gensim's keywords in Python and TOML, fastText's names; and errors raised from Python
name the Python keyword, not the command-line flag."""
from __future__ import annotations

import json
import os
import shlex

import pytest
from click.testing import CliRunner

import hsw2v
from conftest import make_corpus_text
from hsw2v.cli import main, train as train_command
from hsw2v.config import FIELDS, load_config, make_config
from hsw2v.errors import ConfigError

#: The line of issue 27, which took 11 runs to translate one flag at a time.
ISSUE_LINE = ("-train t.txt -output c.bin -size 200 -window 5 -sample 1e-4 -negative 5 -hs 0 "
              "-binary 1 -iter 3 -threads 2 -cbow 1")
ISSUE_COMMAND = ("hsw2v train t.txt -o c.bin --dim 200 --window 5 --sample 1e-4 --loss ns "
                 "--negative 5 --epochs 3 --threads 2 --model cbow")


@pytest.fixture
def reading_fails(monkeypatch):
    """A refusal comes before any corpus is read: reading would crash."""
    import hsw2v.corpus
    monkeypatch.setattr(hsw2v.corpus, "iter_text_blocks", None)


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "corpus.txt"
    p.write_text(make_corpus_text(200))
    return p


def refused(*args: str) -> tuple[str, list[str]]:
    """``hsw2v train ARGS``: one error, exit 2, no traceback; (the command, the notes)."""
    r = CliRunner().invoke(main, ["train", *map(str, args)])
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    assert "Traceback" not in r.output and "No such option" not in r.output
    lines = r.output.rstrip("\n").split("\n")
    assert lines[0].startswith("hsw2v: error: hsw2v train does not take "), r.output
    assert lines[0].endswith(" options; the same run is:"), r.output
    assert lines[1].startswith("  hsw2v train "), r.output
    notes = lines[2:]
    assert all(n.startswith("  # ") for n in notes), r.output
    assert r.output.count("hsw2v: error") == 1
    return lines[1].strip(), [n[4:] for n in notes]


def accepted(command: str) -> dict:
    """The suggested command's options as click reads them (nothing trained): it must not be
    refused again."""
    words = shlex.split(command)
    assert words[:2] == ["hsw2v", "train"], command
    ctx = train_command.make_context("train", words[2:])
    return ctx.params


# ------------------------------------------------------------------- word2vec's command line
def test_the_issue_line_is_answered_once_with_the_whole_command(tmp_path, reading_fails):
    command, notes = refused(*ISSUE_LINE.split())
    assert command == ISSUE_COMMAND
    assert notes == []  # every option maps; -cbow 1 and -binary 1 (.bin) say it all
    assert not os.listdir(tmp_path)


def test_the_suggested_command_trains_what_word2vec_would(tmp_path, corpus):
    out = tmp_path / "c.bin"
    command, _ = refused(*ISSUE_LINE.replace("t.txt", str(corpus)).replace(
        "c.bin", str(out)).split())
    params = accepted(command)
    assert (params["dim"], params["loss"], params["negative"], params["model"]) == (
        200, "ns", 5, "cbow")
    # Run it (smaller and faster: the later --dim and --epochs count)
    r = CliRunner().invoke(main, shlex.split(command)[1:] + ["--dim", "8", "--epochs", "1",
                                                             "--min-count", "1", "-q"])
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "c.bin.json").read_text())["config"]
    assert {k: summary[k] for k in ("model", "loss", "negative", "window", "sample",
                                    "threads")} == {
        "model": "cbow", "loss": "ns", "negative": 5, "window": 5, "sample": 1e-4, "threads": 2}
    from hsw2v.formats import detect_binary
    assert detect_binary(str(out))  # word2vec's binary format: -binary 1


def test_a_line_without_cbow_or_hs_is_word2vecs_default_cbow_with_negative_sampling(
        reading_fails):
    command, notes = refused("-train", "t.txt", "-output", "v.txt", "-size", "50")
    assert command == "hsw2v train t.txt -o v.txt --dim 50 --loss ns --negative 5 --model cbow"
    assert any("--model cbow: word2vec's default (-cbow 1)" in n for n in notes), notes
    assert any("--loss ns: word2vec's default (-hs 0 -negative 5)" in n for n in notes), notes
    accepted(command)


@pytest.mark.parametrize("c_line,ours", [
    ("-hs 0 -negative 5", "--loss ns --negative 5"),
    ("-hs 1 -negative 5", "--loss hs+ns --negative 5"),
    ("-hs 1 -negative 0", ""),
    ("-hs 1 -negative 8", "--loss hs+ns --negative 8"),
    ("-hs 1", "--loss hs+ns --negative 5"),  # word2vec's -negative is 5 unless given
    ("-negative 3", "--loss ns --negative 3"),
    ("-cbow 0", ""),
    ("-cbow 1", "--model cbow"),
    ("-binary 0", "--format text"),  # the output is c.bin
    ("-binary 1", ""),
    ("-iter 3 -threads 2 -alpha 0.05 -min-count 2", "--epochs 3 --threads 2 --alpha 0.05 "
                                                    "--min-count 2"),
    ("-save-vocab v.voc -read-vocab r.voc", "--save-vocab v.voc --read-vocab r.voc"),
    ("-min-count 0", "--min-count 1"),  # word2vec keeps every word, as 1 does here
])
def test_each_option_of_word2vec(reading_fails, c_line, ours):
    sg = [] if "-cbow" in c_line else ["-cbow", "0"]
    command, _ = refused("-train", "t.txt", "-output", "c.bin", *sg, *c_line.split())
    objective = "" if any(w in c_line for w in ("-hs", "-negative")) else \
        " --loss ns --negative 5"
    binary = "" if "-binary" in c_line else " --format text"
    expected = f"hsw2v train t.txt -o c.bin {ours}".rstrip() + objective + binary
    assert command == expected
    accepted(command)


def test_a_binary_output_named_otherwise_gets_format_binary(reading_fails):
    command, _ = refused("-train", "t.txt", "-output", "vec.w2v", "-binary", "1", "-cbow", "0",
                         "-negative", "0", "-hs", "1")
    assert command == "hsw2v train t.txt -o vec.w2v --format binary"


def test_options_we_do_not_have_are_named_and_dropped(reading_fails):
    command, notes = refused(*ISSUE_LINE.split(), "-classes", "500", "-debug", "2")
    assert command == ISSUE_COMMAND
    assert any(n.startswith("-classes 500 dropped: ") for n in notes), notes
    assert any(n.startswith("-debug 2 dropped: ") and "-q" in n for n in notes), notes
    command, _ = refused(*ISSUE_LINE.split(), "-debug", "0")
    assert command == ISSUE_COMMAND + " -q"


def test_hs_0_and_negative_0_trains_nothing_in_word2vec_and_says_so(reading_fails):
    command, notes = refused("-train", "t.txt", "-output", "v.txt", "-hs", "0", "-negative",
                             "0", "-cbow", "0")
    assert command == "hsw2v train t.txt -o v.txt"
    assert any("trains no objective" in n for n in notes), notes


def test_options_already_in_hsw2vs_spelling_are_kept_and_never_contradicted(reading_fails):
    # the issue: after --loss ns --negative 5, -hs 0 still said "use --loss ns --negative K"
    command, notes = refused("t.txt", "-o", "c.bin", "--loss", "ns", "--negative", "5",
                             "-hs", "0")
    assert command == "hsw2v train t.txt -o c.bin --loss ns --negative 5"
    assert command.count("--loss") == 1 and command.count("--negative") == 1
    assert not any("--loss" in n for n in notes), notes
    # A hsw2v option the C line disagrees with is kept; the C one is dropped, said so
    command, notes = refused("t.txt", "-o", "c.bin", "--loss", "hs", "--model", "sg",
                             "--dim", "20", "-negative", "5", "-cbow", "1", "-size", "10")
    assert command == "hsw2v train t.txt -o c.bin --loss hs --model sg --dim 20"
    assert "-negative 5 dropped: --loss hs is given" in notes
    assert "-cbow 1 dropped: --model sg is given" in notes
    assert "-size 10 dropped: --dim 20 is given" in notes
    # A line already partly in hsw2v's words gets no default added, only a note
    command, notes = refused("t.txt", "-o", "c.bin", "-size", "10")
    assert command == "hsw2v train t.txt -o c.bin --dim 10"
    assert any("add --model cbow" in n for n in notes), notes
    assert any("add --loss ns --negative 5" in n for n in notes), notes


def test_every_option_in_word2vecs_usage_is_known(reading_fails):
    # the options word2vec.c's main() reads (its usage text lists the same)
    line = ("-train t.txt -output v.txt -size 10 -window 3 -sample 0 -hs 1 -negative 0 "
            "-threads 1 -iter 1 -min-count 1 -alpha 0.1 -classes 0 -debug 1 -binary 0 "
            "-save-vocab s.voc -read-vocab r.voc -cbow 0")
    command, notes = refused(*line.split())
    assert not any("unknown option" in n for n in notes), notes
    assert command == ("hsw2v train t.txt -o v.txt --dim 10 --window 3 --sample 0 --threads 1 "
                       "--epochs 1 --min-count 1 --alpha 0.1 --save-vocab s.voc "
                       "--read-vocab r.voc")
    accepted(command)


def test_gensim_names_on_the_command_line(reading_fails):
    command, _ = refused("t.txt", "-o", "v.txt", "--vector-size", "100", "--workers=2", "--sg",
                         "0")
    assert command == "hsw2v train t.txt -o v.txt --dim 100 --threads 2 --model cbow"


def test_a_name_of_ours_with_one_dash_alone_still_gets_two_dashes(reading_fails):
    r = CliRunner().invoke(main, ["train", "t.txt", "-o", "v.bin", "-dim", "8"])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert "-dim is --dim here (long options take two dashes)" in r.output


def test_resuming_adds_no_defaults(reading_fails):
    command, notes = refused("--resume", "v.bin.ckpt", "-threads", "4", "-iter", "3")
    assert command == "hsw2v train --resume v.bin.ckpt --threads 4 --epochs 3"
    assert notes == []


# ------------------------------------------------------------------------------------ fastText
def test_a_fasttext_line(reading_fails):
    command, notes = refused("skipgram", "-input", "data.txt", "-output", "model", "-dim",
                             "300", "-ws", "3", "-epoch", "10", "-minCount", "2", "-neg", "10",
                             "-thread", "2", "-lr", "0.1", "-t", "1e-5", "-maxn", "0")
    assert command == ("hsw2v train data.txt -o model.vec --dim 300 --window 3 --epochs 10 "
                       "--min-count 2 --loss ns --negative 10 --threads 2 --alpha 0.1 "
                       "--sample 1e-5")
    assert any("model.bin" in n and "model.vec" in n for n in notes), notes
    accepted(command)


@pytest.mark.parametrize("line,ours", [
    ("cbow -input d.txt -output m -maxn 0", "--model cbow --loss ns --negative 5 --sample 0.0001"),
    ("skipgram -input d.txt -output m -maxn 0 -loss hs", "--sample 0.0001 --alpha 0.05"),
    ("skipgram -input d.txt -output m -maxn 0 -loss softmax -lr 0.05",
     "--loss softmax --alpha 0.05 --sample 0.0001"),
])
def test_fasttexts_defaults_are_spelt_out(reading_fails, line, ours):
    command, notes = refused(*line.split())
    assert command == f"hsw2v train d.txt -o m.vec {ours}"
    accepted(command)


def test_fasttexts_subwords(reading_fails):
    command, notes = refused("skipgram", "-input", "d.txt", "-output", "m", "-minn", "2",
                             "-maxn", "5", "-bucket", "1000")
    if any(p.name == "subwords" for p in train_command.params):  # issue 28's --subwords
        assert "--subwords 2-5" in command and "--buckets 1000" in command
    else:
        assert any("subword vectors (-minn 2 -maxn 5 -bucket 1000) are not supported yet" in n
                   for n in notes), notes
        assert "-minn" not in command and "-bucket" not in command
    accepted(command)


# ------------------------------------------------------------------------------------- Python
def test_gensim_keywords_all_in_one_error_with_the_call_that_works(corpus, reading_fails):
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, vector_size=200, sg=1, hs=0, negative=5, epochs=3, workers=2)
    lines = str(exc.value).split("\n")
    assert lines == ["hsw2v.train does not take gensim's keywords; the same call is:",
                     "  hsw2v.train(corpus, dim=200, loss='ns', negative=5, epochs=3, "
                     "threads=2)"]


def test_the_suggested_python_call_works(corpus):
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, vector_size=200, sg=1, hs=0, negative=5, epochs=3, workers=2)
    call = str(exc.value).split("\n")[1].strip()
    # the same call, smaller and faster
    call = call.replace("dim=200", "dim=8").replace("epochs=3", "epochs=1")
    vectors = eval(call, {"hsw2v": hsw2v, "corpus": str(corpus)})
    config = vectors.summary["config"]
    assert (config["model"], config["loss"], config["negative"], config["threads"]) == (
        "sg", "ns", 5, 2)


def test_gensims_defaults_are_cbow_and_negative_sampling(reading_fails, corpus):
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, vector_size=50, window=3)
    msg = str(exc.value)
    assert ("hsw2v.train(corpus, dim=50, window=3, loss='ns', negative=5, model='cbow', "
            "alpha=0.025)") in msg
    assert "model='cbow': gensim's default (sg=0)" in msg
    # begun in hsw2v's words: nothing added, a note says what gensim would do
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, vector_size=50, model="sg")
    msg = str(exc.value)
    assert "hsw2v.train(corpus, dim=50, model='sg')" in msg
    assert "add loss='ns', negative=5 for gensim's" in msg


def test_gensim_keys_in_a_config_file_give_the_file_in_ours(tmp_path, reading_fails):
    bad = tmp_path / "gensim.toml"
    bad.write_text("vector_size = 200\nsg = 1\nhs = 0\nnegative = 5\nepochs = 3\n"
                   "workers = 2\n")
    with pytest.raises(ConfigError) as exc:
        make_config(bad)
    lines = str(exc.value).split("\n")
    assert lines[0].startswith(f"config file {str(bad)!r} uses gensim's names")
    body = [x for x in lines[1:] if not x.lstrip().startswith("#")]
    good = tmp_path / "ours.toml"
    good.write_text("\n".join(x.strip() for x in body) + "\n")
    assert load_config(good) == {"dim": 200, "loss": "ns", "negative": 5, "epochs": 3,
                                 "threads": 2}
    make_config(good).resolved()


def test_fasttexts_python_keywords(reading_fails, corpus):
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, model="skipgram", dim=50, epoch=3, minCount=2, ws=4, neg=7,
                    maxn=0)
    msg = str(exc.value)
    assert ("hsw2v.train(corpus, model='sg', dim=50, epochs=3, min_count=2, window=4, "
            "loss='ns', negative=7") in msg, msg


# ------------------------------------------------------------- errors name what was given
@pytest.mark.parametrize("options,python,cli", [
    (dict(min_count=0), "min_count=0 is out of range", "--min-count 0 is out of range"),
    (dict(negative=5), "negative=5 with loss='hs': use loss='ns'",
     "--negative 5 with --loss hs: use --loss ns"),
    (dict(model="cbo"), "unknown model='cbo'", "unknown --model 'cbo'"),
    (dict(sample=-1.0), "sample=-1.0 is out of range", "--sample -1.0 is out of range"),
    (dict(alpha=0.01, min_alpha=0.1), "min_alpha=0.1 is larger than alpha=0.01",
     "--min-alpha 0.1 is larger than --alpha 0.01"),
])
def test_errors_name_the_python_keyword_from_python_and_the_flag_from_the_cli(
        corpus, tmp_path, reading_fails, options, python, cli):
    with pytest.raises(ConfigError) as exc:
        hsw2v.train(corpus, **options)
    assert python in str(exc.value) and "--" not in str(exc.value), str(exc.value)
    args = [w for k, v in options.items() for w in (f"--{k.replace('_', '-')}", str(v))]
    r = CliRunner().invoke(main, ["train", str(corpus), "-o", str(tmp_path / "v.txt"), *args])
    assert r.exit_code == 2 and cli in r.output, r.output


def test_a_bad_value_in_a_config_file_is_named_as_the_file_spells_it(tmp_path, corpus,
                                                                    reading_fails):
    cfg = tmp_path / "c.toml"
    cfg.write_text("min_count = 0\n")
    expected = f"min_count = 0 in {str(cfg)!r} is out of range"
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(")):
        hsw2v.train(corpus, config=cfg)
    r = CliRunner().invoke(main, ["train", str(corpus), "-o", str(tmp_path / "v.txt"),
                                  "--config", str(cfg)])
    assert r.exit_code == 2 and expected in r.output, r.output


# ---------------------------------------------------------------- any mix, answered once
C_VALUES = {"-size": ["8", "200"], "-window": ["3", "5"], "-sample": ["0", "1e-4"],
            "-hs": ["0", "1"], "-negative": ["0", "3", "5"], "-threads": ["1", "2"],
            "-iter": ["1", "3"], "-min-count": ["0", "1", "5"], "-alpha": ["0.025", "0.05"],
            "-binary": ["0", "1"], "-cbow": ["0", "1"], "-debug": ["0", "2"],
            "-classes": ["0", "10"], "-save-vocab": ["s.voc"], "-read-vocab": ["r.voc"]}
OURS = {"--loss": ["hs", "ns", "hs+ns"], "--negative": ["5", "7"], "--model": ["sg", "cbow"],
        "--dim": ["16"], "--format": ["text", "binary"], "--threads": ["3"], "-q": [None]}


def _lines():
    from hypothesis import strategies as st

    def pick(table):
        return st.lists(st.sampled_from(sorted(table)), unique=True, max_size=len(table)).flatmap(
            lambda names: st.tuples(*[st.tuples(st.just(n), st.sampled_from(table[n]))
                                      for n in names]))
    return st.tuples(st.booleans(), st.sampled_from(["c.bin", "c.txt"]), pick(C_VALUES),
                     pick(OURS), st.randoms(use_true_random=False))


def test_any_mix_of_word2vecs_options_and_ours_is_answered_once_and_accepted(reading_fails):
    from hypothesis import given, settings

    @settings(max_examples=150, deadline=None)
    @given(_lines())
    def check(line):
        c_output, name, theirs, ours, rnd = line
        words = [w for n, v in theirs for w in (n, v)]
        mine = [[n] + ([v] if v is not None else []) for n, v in ours]
        head = ["-train", "t.txt"] + (["-output", name] if c_output else ["-o", name])
        pieces = [[n, v] for n, v in theirs] + mine
        rnd.shuffle(pieces)
        args = head + [w for p in pieces for w in p]
        if not words:
            return
        command, notes = refused(*args)
        params = accepted(command)  # never refused again
        for piece in mine:  # ours kept as given
            assert " ".join(piece) in command, (args, command)
        for flag in ("--loss", "--negative", "--model", "--format", "--dim", "--threads"):
            assert command.split().count(flag) <= 1, command
        options = {k: v for k, v in params.items() if k in FIELDS and v is not None}
        if not any(n in ("--loss", "--negative") for n, _ in ours):
            make_config(format=params["fmt"], **options).resolved()  # a run hsw2v can train

    check()
