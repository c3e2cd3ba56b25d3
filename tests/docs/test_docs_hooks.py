"""The docs hooks that generate and assemble pages: GraphQL reference, includes, links."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from docs_hooks import load_hook

graphql_reference = load_hook("graphql_reference")
includes = load_hook("includes")
repo_links = load_hook("repo_links")

SDL = '''
"""A thing."""
type Thing {
  """Its name."""
  name: String!
  parts(first: Int! = 10): [Part!]!
}

type Part { id: ID! }

enum Colour {
  """Like the sky."""
  BLUE
  RED @deprecated(reason: "use BLUE")
}

type Query {
  """One thing by name."""
  thing("""Exact name.""" name: String!): Thing
}

type Mutation { paint(colour: Colour!): Thing! }
'''


def test_the_graphql_reference_has_operations_types_and_their_descriptions() -> None:
    page = graphql_reference.render(SDL)

    assert "### `thing` {#query-thing}" in page
    assert "thing(name: String!): Thing" in page
    assert "- `name`: Exact name." in page
    assert "### `paint` {#mutation-paint}" in page
    assert "### `Thing` {#Thing}\n\nA thing." in page
    assert "| `parts(first: Int! = 10)` | \\[[`Part`](#Part)!\\]! |  |" in page
    assert "| `name` | `String`! | Its name. |" in page
    assert "| `RED` | **Deprecated:** use BLUE |" in page
    # objects before enums, each group alphabetical; the root types are not repeated
    assert page.index("{#Part}") < page.index("{#Thing}") < page.index("{#Colour}")
    assert "{#Query}" not in page


def test_the_graphql_reference_does_not_depend_on_the_order_of_the_schema() -> None:
    reordered = SDL.replace("type Part { id: ID! }\n", "") + "type Part { id: ID! }\n"

    assert graphql_reference.render(reordered) == graphql_reference.render(SDL)


README = """# Tool

The pitch.

## Install

See [the guide](docs/guide.md#setup), [the site](https://example.org) and [code](src/).

```bash
# not a heading
```

### Details

Fine print.

## Next

The end.
"""


def test_a_section_runs_to_the_next_heading_of_its_level_outside_code() -> None:
    section = includes.section(README, "## Install")

    assert section.startswith("## Install\n")
    assert "# not a heading" in section
    assert "Fine print." in section
    assert "The end." not in section
    assert includes.section(README, "## Install", "body").startswith("See [the guide]")
    assert includes.section(README, "# Tool", "intro") == "The pitch."
    with pytest.raises(KeyError):
        includes.section(README, "## Missing")


def test_included_links_are_rewritten_to_work_from_the_including_page(tmp_path: Path) -> None:
    (tmp_path / "docs" / "guides").mkdir(parents=True)
    (tmp_path / "README.md").write_text(README)
    page = tmp_path / "docs" / "guides" / "install.md"
    page.write_text('# Install\n\n<!-- include ../../README.md "## Install" body -->\n')

    text = includes.expand(page.read_text(), page)

    assert "[the guide](../guide.md#setup)" in text
    assert "[the site](https://example.org)" in text
    assert "[code](../../src/)" in text
    assert "<!-- include" not in text


def test_links_out_of_docs_go_to_a_page_an_index_or_plain_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "adr").mkdir(parents=True)
    (tmp_path / "schema.graphql").write_text("type Query { a: Int }\n")
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "README.md").write_text("# UI\n")
    page = docs / "architecture.md"
    markdown = (
        "[schema](../schema.graphql#x) [its README](../ui/README.md) [adr/](adr/) "
        "[gone](../gone.md) [sdk](sdk.md)\n```\n[code](../ui/README.md)\n```\n"
    )
    generated = {"adr/index.md"}  # the adrs hook makes it; it is no file on disk
    site = SimpleNamespace(
        page=SimpleNamespace(file=SimpleNamespace(abs_src_path=str(page))),
        config=SimpleNamespace(
            docs_dir=str(docs), config_file_path=str(tmp_path / "mkdocs.yml"), repo_url=None
        ),
        files=SimpleNamespace(get_file_from_path=lambda uri: uri if uri in generated else None),
    )

    text = repo_links.on_page_markdown(
        markdown, page=site.page, config=site.config, files=site.files
    )

    assert text == (
        "[schema](reference/graphql-schema.md#x) its README (`ui/README.md`) [adr/](adr/index.md) "
        "[gone](../gone.md) [sdk](sdk.md)\n```\n[code](../ui/README.md)\n```\n"
    )
