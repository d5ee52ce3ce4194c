"""Taxonomy import (ESCO, O*NET), the compiled store, finding and linking, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.cli.main import main
from matcher.errors import TaxonomyError
from matcher.understand.nlp import match_norm
from matcher.understand.taxonomy import index as taxonomy_index
from matcher.understand.taxonomy import readers as taxonomy_readers
from matcher.understand.taxonomy import store as taxonomy_store
from matcher.understand.taxonomy.index import compile_index, stem_text
from matcher.understand.taxonomy.readers import read_esco, read_onet
from matcher.understand.taxonomy.store import (
    SkillLink,
    canonicalise,
    import_taxonomy,
    link,
    link_many,
    list_taxonomies,
    load_taxonomy,
    remove_taxonomy,
    taxonomy_vocabulary,
)
from matcher.understand.vocabulary import Skill, Vocabulary

# The shape of the shared ESCO file: three columns, alternative labels one a line.
ESCO_SHORT = """preferredLabel,altLabels,skillType
Python (computer programming),"Python
python programming",knowledge
manage staff,"manage employees
supervise staff
manage staff",skill/competence
work in teams,"teamwork
team working",skill/competence
R,,knowledge
"""

# The official export's columns, with conceptUri and a broaderRelations column.
ESCO_OFFICIAL = """conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,\
hiddenLabels,status,modifiedDate,scopeNote,definition,inScheme,description,broaderRelations
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/1,knowledge,sector-specific,\
computer programming,"programming
coding",,released,2023-01-01,,,,"Writing software, with care.",
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/2,knowledge,cross-sector,\
Python (computer programming),"Python
Python3",Pyhton,released,2023-01-01,,,,Python.,http://data.europa.eu/esco/skill/1
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/3,skill/competence,cross-sector,\
lead a team,"team leadership
lead teams",,released,2023-01-01,,,,,http://data.europa.eu/esco/isced-f/0413
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/4,skill/competence,,\
old skill,,,obsolete,2020-01-01,,,,,
KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/5,skill/competence,,\
lead a team,"head a team",,released,2023-01-01,,,,,
"""

ONET_HEADER = (
    "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand\n"
)
ONET_SMALL = ONET_HEADER + (
    "15-1252.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tN\n"
    "11-1011.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tN\n"
    "15-1252.00\tMicrosoft Teams\t43232104\tInstant messaging software\tY\tN\n"
    "15-1252.00\tMicrosoft Visio\t43232104\tGraphics or photo imaging software\tN\tN\n"
    "15-1252.00\tHypertext markup language HTML\t43232403\tWeb page creation and editing software"
    "\tY\tY\n"
    "15-1252.00\tSpreadsheet software\t43232110\tSpreadsheet software\tN\tN\n"
    "15-1252.00\tPython\t43232405\tObject or component oriented development software\tY\tY\n"
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-user data directory, and no taxonomy cached from another test."""
    folder = tmp_path / "home"
    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(folder))
    taxonomy_store._LOADED.clear()
    yield folder
    taxonomy_store._LOADED.clear()


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


# -- reading the files -----------------------------------------------------------------


def test_esco_as_shared_three_columns(tmp_path: Path):
    skills = {s.name: s for s in read_esco(write(tmp_path, "skills.csv", ESCO_SHORT))}
    assert list(skills) == ["Python (computer programming)", "manage staff", "work in teams", "R"]
    python = skills["Python (computer programming)"]
    assert python.category == "knowledge" and python.field == "esco" and python.source == "esco"
    assert python.aliases == ("Python", "python programming")
    # The preferred label repeated among the alternative labels is not an alias.
    assert skills["manage staff"].aliases == ("manage employees", "supervise staff")
    assert skills["manage staff"].category == "hard_skill"
    # A form under three letters is matched only with its exact case.
    assert skills["R"].aliases == () and skills["R"].exact_aliases == ()


def test_esco_official_columns_with_uris_and_broader(tmp_path: Path):
    path = write(tmp_path, "skills_en.csv", ESCO_OFFICIAL)
    skills = {s.name: s for s in read_esco(path, name="esco-full")}
    assert set(skills) == {"computer programming", "Python (computer programming)", "lead a team"}
    python = skills["Python (computer programming)"]
    assert python.broader == "computer programming"  # conceptUri resolved to its label
    assert python.aliases == ("Python", "Python3", "Pyhton")  # hidden labels are aliases too
    assert python.field == "esco-full" and python.source == "esco-full"
    # A broader concept that is not a skill of the file (a group) is left out.
    assert skills["lead a team"].broader is None
    # The same preferred label twice is one skill with the aliases of both.
    assert skills["lead a team"].aliases == ("team leadership", "lead teams", "head a team")
    vocabulary = Vocabulary(skills)
    assert vocabulary.relation("computer programming", "Python (computer programming)") == (
        "narrower"
    )


def test_onet_technologies_and_commodities(tmp_path: Path):
    path = write(tmp_path, "Technology Skills.txt", ONET_SMALL.replace("\n", "\r\n"))
    skills = {s.name: s for s in read_onet(path)}
    assert all(s.category == "tool" and s.field == "onet" for s in skills.values())
    assert skills["Microsoft Excel"].broader == "Spreadsheet software"
    # Commodity titles are skills, so two spreadsheet tools are siblings.
    assert skills["Spreadsheet software"].broader is None
    assert "Instant messaging software" in skills
    html = skills["Hypertext markup language HTML"]
    assert "HTML" in html.aliases and "Hypertext markup language" in html.aliases
    # A vendor's name taken off: only with its case, and never leaving a common word.
    assert skills["Microsoft Excel"].exact_aliases == ("Excel",)
    assert skills["Microsoft Teams"].aliases == () and skills["Microsoft Teams"].exact_aliases == ()


def test_onet_attribution_names_the_database_version(home: Path, tmp_path: Path):
    write(tmp_path, "Read Me.txt", "O*NET 29.2 Database\nFebruary 2025 Release\n")
    info = import_taxonomy("onet", write(tmp_path, "Technology Skills.txt", ONET_SMALL))
    assert info.attribution.startswith("This includes information from the O*NET 29.2 Database")
    assert "USDOL/ETA has not approved, endorsed, or tested these modifications" in (
        info.attribution
    )


# -- bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "where", "words"),
    [
        ("esco", "label,alternatives,type\nx,y,knowledge\n", ":1:", ["preferredLabel", "expected"]),
        ("esco", ONET_SMALL, ":1:", ["missing preferredLabel, altLabels"]),
        ("onet", ESCO_SHORT, ":1:", ["Example", "Commodity Title", "tab-separated"]),
        (
            "esco",
            ESCO_SHORT + "extra row,with,four,columns\n",
            ":10:",
            ["expected 3 comma-separated columns", "got 4"],
        ),
        ("esco", ESCO_SHORT + ',"no label",knowledge\n', ":10:", ["preferredLabel"]),
        ("esco", ESCO_SHORT + "ok,,attitude\n", ":10:", ["skillType", "attitude"]),
        ("onet", ONET_HEADER + "15-1252.00\tPython\n", ":2:", ["6 tab-separated columns"]),
        ("esco", "preferredLabel,altLabels\n", "", ["no skills found"]),
        ("esco", "", ":1:", ["empty"]),
        ("esco", 'preferredLabel,altLabels\n"unclosed,x\n', ":2:", ["malformed CSV"]),
    ],
)
def test_a_bad_file_is_named_with_its_line_and_what_was_expected(
    tmp_path: Path, kind: str, text: str, where: str, words: list[str]
):
    path = write(tmp_path, f"bad.{kind}", text)
    with pytest.raises(TaxonomyError) as raised:
        taxonomy_readers.READERS[kind](path)
    message = str(raised.value)
    assert message.startswith(f"{path}{where}"), message
    for word in words:
        assert word in message
    assert "\n" not in message


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(TaxonomyError, match="no such file"):
        read_esco(tmp_path / "absent.csv")
    with pytest.raises(TaxonomyError, match="is a folder"):
        read_esco(tmp_path)
    latin = write(tmp_path, "latin.csv", ESCO_SHORT + "café management,,knowledge\n", "latin-1")
    with pytest.raises(TaxonomyError, match=r"latin\.csv:10: not UTF-8"):
        read_esco(latin)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"preferredLabel\x00\x01\x02")
    with pytest.raises(TaxonomyError, match="binary"):
        read_esco(binary)


def test_a_failed_import_leaves_the_earlier_one_untouched(home: Path, tmp_path: Path):
    good = import_taxonomy("esco", write(tmp_path, "good.csv", ESCO_SHORT))
    stored = sorted(p.name for p in (home / "taxonomies" / "esco").iterdir())
    bad = write(tmp_path, "bad.csv", ESCO_SHORT + "a,b,c,d\n")
    with pytest.raises(TaxonomyError, match=r"bad\.csv:10:"):
        import_taxonomy("esco", bad)
    assert list_taxonomies() == [good]
    assert sorted(p.name for p in (home / "taxonomies" / "esco").iterdir()) == stored
    assert [p.name for p in (home / "taxonomies").iterdir()] == ["esco"]  # no leftovers
    assert link("team working", taxonomy="esco", top=1)[0].skill == "work in teams"


def test_an_import_fails_cleanly_while_saving(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    good = import_taxonomy("esco", write(tmp_path, "good.csv", ESCO_SHORT))

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(taxonomy_store, "_save", broken)
    with pytest.raises(TaxonomyError, match="No space left on device.*earlier import"):
        import_taxonomy("esco", write(tmp_path, "other.csv", ESCO_OFFICIAL))
    assert list_taxonomies() == [good]
    assert [p.name for p in (home / "taxonomies").iterdir()] == ["esco"]


def test_an_unwritable_home_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = write(tmp_path, "a-file", "not a folder")
    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(blocker / "home"))
    with pytest.raises(TaxonomyError, match="cannot write to .*STRENGTHS_MATCHER_HOME"):
        import_taxonomy("esco", write(tmp_path, "skills.csv", ESCO_SHORT))
    assert list_taxonomies() == []
    with pytest.raises(TaxonomyError, match="no taxonomy named 'esco'"):
        load_taxonomy("esco")


def test_names_are_checked(home: Path, tmp_path: Path):
    path = write(tmp_path, "skills.csv", ESCO_SHORT)
    for name in ("shipped", "../up", "Has Space", ""):
        with pytest.raises(TaxonomyError):
            import_taxonomy("esco", path, name=name or " ")
    with pytest.raises(TaxonomyError, match="unknown taxonomy kind"):
        import_taxonomy("lightcast", path)
    with pytest.raises(TaxonomyError, match="no taxonomy named 'nothing'"):
        load_taxonomy("nothing")
    with pytest.raises(TaxonomyError, match="no taxonomy named"):
        remove_taxonomy("nothing")


# -- the store: import, list, load, remove --------------------------------------------------


def test_import_list_load_remove(home: Path, tmp_path: Path):
    info = import_taxonomy("esco", write(tmp_path, "skills_en.csv", ESCO_OFFICIAL), name="full")
    assert (info.name, info.kind, info.skills, info.aliases) == ("full", "esco", 3, 8)
    assert "ESCO classification of the European Commission" in info.attribution
    assert "CC BY 4.0" in info.attribution
    assert (home / "taxonomies" / "full" / "meta.json").is_file()
    assert list_taxonomies() == [info]
    index = load_taxonomy("full")
    assert load_taxonomy("full") is index  # once per process
    assert len(index) == 3 and index.skills[0].source == "full"
    assert index.lookup("PYTHON3").name == "Python (computer programming)"
    # A re-import under the same name replaces it and is picked up in the same process.
    import_taxonomy("esco", write(tmp_path, "short.csv", ESCO_SHORT), name="full")
    assert len(load_taxonomy("full")) == 4
    assert remove_taxonomy("full").name == "full"
    assert list_taxonomies() == []
    with pytest.raises(TaxonomyError):
        load_taxonomy("full")


def test_the_notice_beside_the_file_is_kept(home: Path, tmp_path: Path):
    write(tmp_path, "NOTICE", "Derived from ESCO v1.1.1.\nModifications: columns dropped.\n")
    info = import_taxonomy("esco", write(tmp_path, "skills_en.csv", ESCO_SHORT))
    assert info.notice == "Derived from ESCO v1.1.1.\nModifications: columns dropped."


def test_a_damaged_store_is_a_clear_error(home: Path, tmp_path: Path):
    import_taxonomy("esco", write(tmp_path, "skills.csv", ESCO_SHORT))
    (home / "taxonomies" / "esco" / "index.pickle").write_bytes(b"garbage")
    with pytest.raises(TaxonomyError, match="cannot be loaded.*import it again"):
        load_taxonomy("esco")


# -- linking -----------------------------------------------------------------------------


def test_link_is_best_first_with_scores(home: Path, tmp_path: Path):
    import_taxonomy("esco", write(tmp_path, "skills_en.csv", ESCO_OFFICIAL))
    links = link("python programming", taxonomy="esco", top=3)
    assert [found.skill for found in links][0] == "Python (computer programming)"
    assert all(isinstance(found, SkillLink) for found in links)
    scores = [found.score for found in links]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)
    # An exact name or alias is a full match.
    exact = link("Team Leadership", taxonomy="esco", top=1)[0]
    assert (exact.skill, exact.score, exact.category) == ("lead a team", 100.0, "hard_skill")
    assert exact.to_dict() == {
        "skill": "lead a team",
        "score": 100.0,
        "category": "hard_skill",
        "taxonomy": "esco",
        "broader": None,
    }
    assert link_many(["python", "team leadership"], taxonomy="esco", top=1)[1][0].skill == (
        "lead a team"
    )
    with pytest.raises(TaxonomyError, match="top"):
        link("python", taxonomy="esco", top=0)


def test_words_that_only_wrap_a_skill_are_left_out(home: Path, tmp_path: Path):
    import_taxonomy("esco", write(tmp_path, "skills.csv", ESCO_SHORT))
    for phrase in ("strong knowledge of teamwork", "teamwork skills", "Teamwork."):
        best = link(phrase, taxonomy="esco", top=1)[0]
        assert (best.skill, best.score) == ("work in teams", 100.0), phrase


def test_link_finds_the_skills_a_sentence_names(home: Path, tmp_path: Path):
    import_taxonomy("esco", write(tmp_path, "skills.csv", ESCO_SHORT))
    links = link("You will supervise staff and write Python daily", taxonomy="esco", top=2)
    assert {found.skill for found in links} == {"manage staff", "Python (computer programming)"}
    assert all(found.score == 100.0 for found in links)


def test_canonicalise_and_the_merged_vocabulary(home: Path, tmp_path: Path):
    import_taxonomy("esco", write(tmp_path, "skills_en.csv", ESCO_OFFICIAL))
    found = canonicalise(["Pyhton", "team leadership", "underwater basket weaving"], "esco")
    assert [s.name if s else None for s in found] == [
        "Python (computer programming)",
        "lead a team",
        None,
    ]
    vocabulary = taxonomy_vocabulary("esco")
    assert taxonomy_vocabulary("esco") is vocabulary
    taxonomy_store._VOCABULARIES.clear()  # a new process: read from the user cache
    assert taxonomy_vocabulary("esco").skills == vocabulary.skills
    assert list((home / "cache").glob("vocabulary-esco-*.pickle"))
    assert vocabulary["Python (computer programming)"].source == "esco"
    # The shipped vocabulary wins a collision: its Python, not ESCO's, answers "python".
    assert vocabulary.lookup("python").source == "shipped"


def test_link_against_the_shipped_vocabulary(home: Path):
    links = link("python", top=3)
    assert links[0].score == 100.0 and links[0].taxonomy == "shipped"
    assert links[0].skill == "Python"


def test_label_rows_from_scikit_learn_equal_the_runtime_transform():
    skills = read_esco_text(ESCO_OFFICIAL)
    index = compile_index("t", skills, phrases=False)
    char = index.tfidf.transform(index.labels, "char").toarray()
    word = index.tfidf.transform([stem_text(label) for label in index.labels], "word").toarray()
    np.testing.assert_allclose(char, index.char_labels.T.toarray(), atol=1e-6)
    np.testing.assert_allclose(word, index.word_labels.T.toarray(), atol=1e-6)


def test_common_character_grams_are_not_indexed():
    skills = [Skill(f"skill number {i}", "hard_skill", "t") for i in range(2000)]
    index = compile_index("t", skills, phrases=False)
    common = index.tfidf.char_vocabulary_["ski"]
    rare = index.tfidf.char_vocabulary_["1999"[:4]]
    assert index.char_labels[common].nnz == 0 and index.char_labels[rare].nnz > 0


def read_esco_text(text: str) -> list[Skill]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return read_esco(write(Path(folder), "skills.csv", text))


def test_stemming_meets_british_and_american_spelling():
    assert stem_text("Optimize") == stem_text("optimise")
    assert stem_text("analyzing data") == stem_text("analysing data")
    assert stem_text("proactive") == stem_text("proactively")
    assert stem_text("C++ and node.js") == "c++ and node.js"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_link_never_crashes_and_scores_stay_in_range(text: str):
    index = _small_index()
    for found in index.link([text], top=3):
        scores = [score for _, score in found]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= score <= 100 for score in scores)


_INDEX: list[taxonomy_index.TaxonomyIndex] = []


def _small_index() -> taxonomy_index.TaxonomyIndex:
    if not _INDEX:
        _INDEX.append(compile_index("t", read_esco_text(ESCO_SHORT)))
    return _INDEX[0]


# -- finding skills in tokens --------------------------------------------------------------


def test_find_takes_the_longest_names_and_aliases():
    index = compile_index(
        "t",
        [
            Skill("machine learning", "knowledge", "t", aliases=("ML",)),
            Skill("machine learning engineering", "hard_skill", "t"),
            Skill("anti-oppressive practices", "hard_skill", "t"),
            Skill("manage staff", "hard_skill", "t"),
            Skill("R", "knowledge", "t"),
            Skill("LESS", "knowledge", "t"),
        ],
    )
    words = [
        match_norm(w)
        for w in "we need machine learning engineering and anti oppressive practices".split()
    ]
    assert index.find(words) == [
        (2, 5, "machine learning engineering"),
        (6, 9, "anti-oppressive practices"),
    ]
    assert index.find(["managing", "staff"]) == [(0, 2, "manage staff")]  # "-ing" variant
    texts = ["R", "and", "ML", "with", "less", "LESS"]
    norms = [match_norm(t) for t in texts]
    assert index.find(norms) == []  # short forms and acronyms that are words: exact case
    assert index.find(norms, texts) == [
        (0, 1, "R"),
        (2, 3, "machine learning"),
        (5, 6, "LESS"),
    ]


def test_find_skips_generic_one_word_aliases():
    skills = [Skill("geometry", "knowledge", "t", aliases=("calculation", "maths"))]
    skills += [
        Skill(f"make {kind} calculations", "hard_skill", "t") for kind in ("tax", "load", "cost")
    ]
    skills += [Skill("carry out calculations", "hard_skill", "t")]
    index = compile_index("t", skills)
    assert index.find(["calculation"]) == []
    assert index.find([match_norm("maths")]) == [(0, 1, "geometry")]
    assert index.lookup("calculation").name == "geometry"  # still links


def test_find_in_a_parsed_doc(home: Path, tmp_path: Path):
    from matcher.understand.nlp import parse

    import_taxonomy("esco", write(tmp_path, "skills.csv", ESCO_SHORT))
    index = load_taxonomy("esco")
    doc = next(parse(["Good at teamwork, supervising staff and Python programming."]))
    spans = index.find_in_doc(doc)
    assert [(s.text, s.label_) for s in spans] == [
        ("teamwork", "work in teams"),
        ("supervising staff", "manage staff"),  # the "-ing" form of an alias
        ("Python programming", "Python (computer programming)"),
    ]


# -- CLI ---------------------------------------------------------------------------------


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_cli_import_list_link_remove(home: Path, tmp_path: Path):
    path = write(tmp_path, "skills_en.csv", ESCO_SHORT)
    result = run("taxonomy", "import", "esco", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Imported esco: 4 skills, 6 aliases from ")
    listed = run("taxonomy", "list")
    assert listed.exit_code == 0
    assert listed.stdout.startswith("esco (esco): 4 skills, 6 aliases,")
    assert "Attribution: This service uses the ESCO classification" in listed.stdout
    data = json.loads(run("taxonomy", "list", "--format", "json").stdout)
    assert [item["name"] for item in data] == ["esco"] and "attribution" in data[0]

    linked = run("link", "team", "working", "--taxonomy", "esco", "--top", "2", "--format", "json")
    assert linked.exit_code == 0, linked.output
    found = json.loads(linked.stdout)
    assert found[0]["skill"] == "work in teams" and found[0]["score"] == 100.0
    assert len(found) <= 2 and set(found[0]) == {
        "skill",
        "score",
        "category",
        "taxonomy",
        "broader",
    }
    text = run("link", "teamwork", "--taxonomy", "esco", "--top", "1")
    assert text.stdout == "100.0  work in teams\n"
    many = run(
        "link", "-", "--taxonomy", "esco", "--top", "1", "--format", "json", input="R\nteamwork\n"
    )
    assert [items[0]["skill"] for items in json.loads(many.stdout)] == ["R", "work in teams"]

    removed = run("taxonomy", "remove", "esco")
    assert removed.exit_code == 0 and removed.stdout == "Removed taxonomy esco (4 skills).\n"
    assert run("taxonomy", "list").stdout.startswith("No taxonomies imported.")


def test_cli_errors_are_one_line(home: Path, tmp_path: Path):
    bad = write(tmp_path, "bad.csv", "name,aliases\nx,y\n")
    result = run("taxonomy", "import", "esco", str(bad))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {bad}:1: expected an ESCO skills CSV (comma-separated, with a header line)"
        " with the columns preferredLabel, altLabels; missing preferredLabel, altLabels"
        " (got: name, aliases)\n"
    )
    missing = run("link", "python", "--taxonomy", "nope")
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: no taxonomy named 'nope'")
    assert run("taxonomy", "remove", "nope").exit_code == 1
    assert run("link", "python", "--top", "0").exit_code == 2
    assert run("taxonomy", "import", "lightcast", str(bad)).exit_code == 2


def test_every_command_has_help():
    for args in (["taxonomy"], ["taxonomy", "import"], ["taxonomy", "list"], ["link"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


# -- the real files ----------------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.slow
def test_import_the_shared_esco_and_onet_files(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(tmp_path))
    taxonomy_store._LOADED.clear()
    esco = import_taxonomy("esco", shared_data / "esco" / "skills_en.csv")
    assert esco.skills == 13_891
    # 112,835 alternative labels in the file; fewer once each skill's own name and
    # repeats (same form but for case or hyphens) are left out.
    assert 95_000 <= esco.aliases <= 112_835
    assert esco.notice and "Modifications" in esco.notice
    onet = import_taxonomy("onet", shared_data / "onet" / "Technology Skills.txt")
    index = load_taxonomy("onet")
    technologies = [s for s in index.skills if s.broader is not None]
    assert 8_600 <= len(technologies) <= 8_768  # the rest are also commodity titles
    assert onet.skills == len(index.skills) < 8_768 + 135
    assert "O*NET 29.2 Database" in onet.attribution
    assert [s.name for s in list_taxonomies()] == ["esco", "onet"]

    top = link("javascript reactjs java", taxonomy="esco", top=5)
    assert {"JavaScript", "Java (computer programming)"} <= {found.skill for found in top}
    assert link("Microsoft Excel", taxonomy="onet", top=1)[0].skill == "Microsoft Excel"
    taxonomy_store._LOADED.clear()
