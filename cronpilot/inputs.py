"""Reading what the CLI is given, with a cap: a file or stream handed to a command is read up to
a limit and refused past it, quickly, never read whole first (``-f /dev/zero`` is refused at
once instead of filling memory until the kernel kills the process)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from scheduler.errors import InvalidRequest

MAX_FILE_BYTES = 1024 * 1024  # a workflow file; real ones are a few KB
MAX_SECRET_BYTES = 64 * 1024  # a token, a key, a certificate chain
MAX_LINE_CHARS = 64 * 1024  # one line of chat input (the assistant takes 4,000 characters)


def read_text_file(path: Path, *, limit: int = MAX_FILE_BYTES, what: str = "the file") -> str:
    """The UTF-8 text of ``path``, or ``InvalidRequest`` when it can't be read, is over ``limit``
    bytes or is not UTF-8."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InvalidRequest(f"can't read {path}: {exc.strerror or exc}") from None
    return _text(data, limit, f"{what} {path}")


def read_stream(stream: IO[str], *, limit: int, what: str) -> str:
    """At most ``limit`` bytes of a text stream (stdin), ``InvalidRequest`` past it."""
    source = getattr(stream, "buffer", None)
    if source is not None:
        return _text(source.read(limit + 1), limit, what)
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise InvalidRequest(f"{what} is over {limit} bytes")
    return text


def read_line(stream: IO[str], *, limit: int = MAX_LINE_CHARS) -> str | None:
    """The next line without its newline (None at the end); a longer line is cut at ``limit``
    characters and the rest of it skipped, a piece at a time."""
    line = stream.readline(limit + 1)
    if not line:
        return None
    if len(line) > limit and not line.endswith("\n"):
        while (rest := stream.readline(limit)) and not rest.endswith("\n"):
            pass
        return line[:limit]
    return line.rstrip("\n")


def _text(data: bytes, limit: int, what: str) -> str:
    if len(data) > limit:
        raise InvalidRequest(f"{what} is over {limit // 1024} KiB; cronpilot reads no more")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(f"{what} is not UTF-8 text") from None


MAX_YAML_ALIASES = 1_000  # *references to &anchors; a workflow file uses a handful
MAX_YAML_NODES = 100_000  # values once every alias is expanded (a 1 MiB file holds ~100,000)


def load_yaml(text: str, *, what: str) -> Any:
    """The YAML document in ``text`` (safe types only), or ``InvalidRequest`` when it can't be
    read. Aliases are counted and the document's size with every alias expanded is measured on
    the node graph, before any Python object is built: a billion-laughs file (nine levels of
    ten aliases each, a few hundred bytes) is refused at once instead of expanding in whatever
    walks the result (validation, JSON)."""
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        aliases = 0

        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_YAML_ALIASES:
                    raise InvalidRequest(f"{what} has over {MAX_YAML_ALIASES} YAML aliases (*name); "
                                         "write the values out")
            return super().compose_node(parent, index)

        def compose_document(self) -> yaml.Node | None:
            node = super().compose_document()
            _check_expanded_size(node, what)
            return node

    try:
        return yaml.load(text, Loader=BoundedLoader)  # a SafeLoader, bounded
    except yaml.YAMLError as exc:
        raise InvalidRequest(f"can't read {what}: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise InvalidRequest(f"{what} is nested too deeply") from None


def _check_expanded_size(root: object, what: str) -> None:
    """Refuse a node graph that is over ``MAX_YAML_NODES`` values with its aliases expanded, or
    that refers to itself (``&a [*a]``). Sizes are memoized per node, so this is linear in the
    graph, not in its expansion."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise InvalidRequest(f"{what} has a YAML alias that refers to itself")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_YAML_NODES:
            raise InvalidRequest(f"{what} expands to over {MAX_YAML_NODES} values (YAML aliases); "
                                 "write it without the repeated references")
        sizes[key] = total
        return total

    if isinstance(root, yaml.Node):
        size(root)
