"""Which module may use which: the project's import graph, string imports included.

Besides `import` statements, a string naming a project module counts as an import (the
registry's "module:Class" task classes, `importlib` names, `python -m serving` command lines),
as does each family's presets module, which the registry imports by name.
"""
import ast
import re
from pathlib import Path

from zoo.registry import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("zoo", "serving", "demos")
MODULE_STRING = re.compile(r"^((?:zoo|serving|demos)(?:\.\w+)*)(?::\w+)?$")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The project module `name` or its nearest enclosing module (`zoo.io.cache_dir` -> `zoo.io`)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(tree: ast.Module) -> list[str]:
    """Names a module imports: statements anywhere, and strings that name a project module
    (not the `package=` of `keras.saving.register_keras_serializable`, which is a label)."""
    labels = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) == "register_keras_serializable"
              for arg in [*node.args, *(keyword.value for keyword in node.keywords)]}
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in labels:
            if match := MODULE_STRING.match(node.value):
                names.append(match.group(1))
    return names


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        targets = {_resolve(imported) for imported in _imported_names(ast.parse(path.read_text()))}
        graph[name] = {target for target in targets if target and target != name}
    graph["zoo.registry"] |= {f"zoo.{family}.presets" for family in FAMILIES}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def offenders(graph: dict[str, set[str]], under: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """'a -> b' for each module a under `under` (except `allowed` ones) importing a `forbidden` one."""
    def within(name: str, prefixes: tuple[str, ...]) -> bool:
        return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)

    return sorted(f"{source} -> {target}" for source, targets in graph.items() if within(source, (under,))
                  and not within(source, allowed) for target in targets if within(target, forbidden))


def test_the_import_graph_sees_string_imports():
    graph = import_graph()
    assert "zoo.gpt2.tasks.chatbot" in graph["zoo.gpt2.presets"], "a 'module:Class' task class is an import"
    assert "zoo.bert.presets" in graph["zoo.registry"]
    assert "zoo.autoencoders.models" in MODULES and "zoo" not in graph["zoo.autoencoders.models"], \
        "register_keras_serializable(package='zoo') is a label, not an import"


def test_no_module_imports_itself_back_through_others():
    assert cycles(import_graph()) == []


def test_a_cycle_is_found_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_model_code_never_imports_serving_or_demos():
    assert offenders(import_graph(), "zoo", ("serving", "demos"), allowed=("zoo.cli", "zoo.workflow")) == []


def test_serving_never_imports_zoo_or_demos():
    assert offenders(import_graph(), "serving", ("zoo", "demos")) == []


def test_serving_export_and_server_never_import_each_other():
    graph = import_graph()
    assert offenders(graph, "serving.export", ("serving.server",)) == []
    assert offenders(graph, "serving.server", ("serving.export",)) == []


def test_no_module_under_zoo_uses_gradio():
    assert offenders({n: set(_imported_names(ast.parse(p.read_text()))) for n, p in MODULES.items()},
                     "zoo", ("gradio",)) == []
