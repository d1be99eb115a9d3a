"""The layering the brief asks for, checked on the source: no import cycle inside app/, services
never import the web layer, only app/engine touches SpiffWorkflow, nothing registers at import."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every app module imported anywhere in the file (module level and inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.append((candidate if candidate in MODULES else node.module, node.lineno))
    return [(name, line) for name, line in found if name == "app" or name.startswith("app.")]


def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        targets = set()
        for target, _line in _imports(path):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def test_no_import_cycle_inside_app():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_services_do_not_import_the_web_layer():
    offenders = [f"{name}:{line} imports {target}" for name, path in MODULES.items()
                 if name.startswith("app.services") for target, line in _imports(path)
                 if target == "app.web" or target.startswith("app.web.")]
    assert offenders == []


def test_only_the_engine_imports_spiffworkflow():
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("app.engine"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module or ""]
            if any(n.split(".")[0] == "SpiffWorkflow" for n in names):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


REGISTRATION_CALLS = {"subscribe", "handle_task", "bpmn_function", "service_implementation", "append", "register",
                      "register_function", "setdefault", "update"}


def test_nothing_registers_itself_at_import_time():
    """Module-level statements may define things, not wire them: wiring is app/bootstrap.py's."""
    offenders = []
    for name, path in MODULES.items():
        if name == "app.bootstrap":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
            if call is None:
                continue
            func = call.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in REGISTRATION_CALLS:
                offenders.append(f"{name}:{node.lineno} calls {called}() at import")
    assert offenders == []


def test_function_level_imports_of_app_modules_say_why():
    """An import of an app module inside a function is the exception, with a comment saying why."""
    unexplained = []
    for name, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                app_import = isinstance(inner, ast.ImportFrom) and inner.module and inner.module.startswith("app")
                if app_import and "#" not in lines[inner.lineno - 1] and "#" not in lines[inner.lineno - 2]:
                    unexplained.append(f"{name}:{inner.lineno} from {inner.module}")
    assert unexplained == []
