"""The one restricted evaluator for everything a diagram computes.

Scripts, conditions, timers, due dates, assignees, candidate groups, form defaults and
``required_if`` conditions are compiled by RestrictedPython and run with safe builtins,
guarded attribute and item access and only the functions the product registers for BPMN.
No imports, no names or attributes beginning with ``_``, no ``open``/``eval``/``exec``,
no classes. One evaluation may run a bounded number of Python lines (and seconds), so an
endless loop is stopped with a clear error instead of hanging the request or the worker.

``RestrictedEnvironment`` is SpiffWorkflow's script engine environment
(``BasePythonScriptEngineEnvironment``), modelled on its ``TaskDataEnvironment``.
``problems(source, mode)`` is what the deploy check asks before anything is stored.
"""

from __future__ import annotations

import ast
import builtins
import operator
import re
import sys
import time
from functools import lru_cache

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import growth, sizes, storable

FILENAME = "<bpmn>"
MAX_STEPS = 200_000  # Python lines one evaluation may run (a legitimate script runs a few dozen)
MAX_SECONDS = 5.0  # wall-clock backstop for the same

_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "callable", "chr", "dict", "divmod", "enumerate", "filter", "float",
    "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "ord", "pow", "repr",
    "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    "ArithmeticError", "Exception", "IndexError", "KeyError", "TypeError", "ValueError", "ZeroDivisionError",
)
SAFE_BUILTINS = {**{name: getattr(builtins, name) for name in _BUILTIN_NAMES},
                 "None": None, "True": True, "False": False, "range": sizes.bounded_range, "pow": sizes.guarded_pow,
                 "ascii": ascii, **growth.BUILTINS}
BUILTIN_NAMES = frozenset(SAFE_BUILTINS)

# names that never resolve here, with the reason a process owner reads
_FORBIDDEN_CALLS = {
    "open": "不能读写文件", "eval": "不能执行动态代码", "exec": "不能执行动态代码", "compile": "不能执行动态代码",
    "getattr": "不能动态读取属性", "setattr": "不能动态修改属性", "delattr": "不能动态修改属性",
    "globals": "不能访问解释器内部", "locals": "不能访问解释器内部", "vars": "不能访问解释器内部",
    "input": "不能读取输入", "print": "脚本中不能使用 print（它的输出不会出现在任何地方）",
    "breakpoint": "不能调试", "exit": "不能结束进程", "quit": "不能结束进程", "help": "不可用",
    "type": "不能使用 type", "object": "不能使用 object", "memoryview": "不可用", "bytearray": "不可用",
}

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}


class ExpressionError(Exception):
    """An expression or script the evaluator refuses or cannot run; the message is Chinese."""


class EvaluationLimit(ExpressionError):
    """One evaluation ran longer than the bound (an endless loop, most likely)."""


def _inplacevar(op, x, y):
    guarded = sizes.AUGMENTED.get(op)
    return guarded(x, y) if guarded else _INPLACE[op](x, y)


def _apply(function, *args, **kwargs):
    return function(*args, **kwargs)


GUARDS = {
    **sizes.GUARDS,
    "_getattr_": sizes.guarded_attribute(safer_getattr),
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    **growth.GUARDS,  # f-strings, * displays, list writes, text of self-sharing data (its _write_ included)
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
}


# -- static checks ------------------------------------------------------------------------
_SYNTAX_REASONS = (  # Python's SyntaxError messages (English) in a process owner's words; the first that matches
    ("does not match opening parenthesis", "括号不配对"),
    ("was never closed", "括号没有闭合"),
    ("unmatched", "多了一个右括号"),
    ("unterminated string", "字符串缺少结束引号"),
    ("unterminated triple-quoted string", "字符串缺少结束引号"),
    ("EOL while scanning string literal", "字符串缺少结束引号"),
    ("unexpected EOF", "表达式不完整"),
    ("invalid character", "含有无效字符（中文标点请换成英文标点）"),
    ("invalid non-printable character", "含有不可见的无效字符"),
    ("unexpected indent", "缩进有误"),
    ("expected an indented block", "缺少缩进的代码块"),
    ("unindent does not match", "缩进不一致"),
    ("cannot assign to", "不能给这里赋值（比较请用 ==）"),
    ("Maybe you meant '==' or ':='", "比较请用 =="),
    ("expected ':'", "缺少冒号"),
    ("invalid decimal literal", "数字写法有误（变量名不能以数字开头）"),
    ("leading zeros", "数字不能以 0 开头"),
    ("perhaps you forgot a comma", "可能少了逗号"),
)


def syntax_reason(message: str | None) -> str:
    text = message or ""
    return next((reason for key, reason in _SYNTAX_REASONS if key.lower() in text.lower()), "语法错误")


def problems(source: str, mode: str = "eval") -> list[str]:
    """Why this expression (mode ``eval``) or script (``exec``) would be refused, in Chinese."""
    if source is None or not str(source).strip():
        return []
    try:
        tree = ast.parse(str(source).strip() if mode == "eval" else str(source), FILENAME, mode)
    except SyntaxError as exc:
        reason = syntax_reason(exc.msg)
        return [f"无法解析：{reason}（第 {exc.lineno or 1} 行）" if mode == "exec" else f"无法解析：{reason}"]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append("不允许导入模块（import）")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            found.append(f"不允许访问以下划线开头的属性 {node.attr}")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            found.append(f"不允许使用以下划线开头的名称 {node.id}")
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_CALLS:
            found.append(f"不允许使用 {node.id}：{_FORBIDDEN_CALLS[node.id]}")
        elif isinstance(node, ast.ClassDef):
            found.append("不允许定义类（class）")
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found.append("不允许使用 global / nonlocal")
        elif isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.Yield | ast.YieldFrom):
            found.append("不允许使用生成器或异步代码")
    if found:
        return list(dict.fromkeys(found))
    compiled = _compile(str(source), mode)
    if compiled.errors:
        return [f"写法不被允许：{'；'.join(dict.fromkeys(_restricted_reason(e) for e in compiled.errors))}"]
    return []


_RESTRICTED_REASONS = (  # RestrictedPython's refusals (English) in a process owner's words
    ("Augmented assignment of object items", "不能对列表或字典的元素用 +=、-= 等，请写成 x[0] = x[0] + 1"),
    ("Augmented assignment of attributes", "不能对属性用 +=、-= 等"),
    ("is not allowed", "用了不允许的写法"),
)


def _restricted_reason(error: str) -> str:
    line = re.match(r"Line (\d+)", error or "")
    reason = next((r for key, r in _RESTRICTED_REASONS if key in (error or "")), "用了不允许的写法")
    return f"{reason}（第 {line.group(1)} 行）" if line else reason


def names(source: str, mode: str = "eval") -> tuple[set[str], set[str], set[str]]:
    """(names read, names assigned, names called as functions) of a valid expression or script."""
    if source is None or not str(source).strip():
        return set(), set(), set()
    tree = ast.parse(str(source).strip() if mode == "eval" else str(source), FILENAME, mode)
    read, stored = set(), set()
    local = set()  # comprehension variables, lambda and def parameters
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda | ast.FunctionDef):
            local |= {a.arg for a in node.args.args + node.args.kwonlyargs}
            if isinstance(node, ast.FunctionDef):
                stored.add(node.name)
        elif isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else read).add(node.id)
    return read - local, stored - local, _called(tree, frozenset())


def _called(node, in_scope: frozenset) -> set[str]:
    """Names called as functions that nothing in the script makes callable where they are called: a def's or
    lambda's parameter counts inside its own body only (def twice(f, v): f(f(v))), a name bound to a def, a
    lambda or another name (m = max) anywhere."""
    if isinstance(node, ast.Module):
        in_scope = in_scope | _callable_bindings(node)
    if isinstance(node, ast.Lambda | ast.FunctionDef):
        in_scope = in_scope | {a.arg for a in node.args.args + node.args.kwonlyargs}
        if isinstance(node, ast.FunctionDef):
            in_scope = in_scope | _callable_bindings(node)
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):  # [k(1) for k in fs]
        in_scope = in_scope | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    found = set()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in in_scope:
        found.add(node.func.id)
    for child in ast.iter_child_nodes(node):
        found |= _called(child, in_scope)
    return found


def _callable_bindings(scope) -> frozenset[str]:
    names = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda | ast.Name):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return frozenset(names)


def method_calls(source: str) -> list[str]:
    """``a.b(...)`` calls in an expression, as ``a.b``: JUEL method calls on Java objects."""
    tree = ast.parse(str(source).strip(), FILENAME, "eval")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            found.append(ast.unparse(node.func))
    return found


# -- compiling and running ---------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    if mode == "eval":
        return compile_restricted_eval(source.strip(), FILENAME, policy=sizes.SizeGuardingPolicy)
    return compile_restricted_exec(source, FILENAME, policy=sizes.SizeGuardingPolicy)


@lru_cache(maxsize=4096)
def compiled(source: str, mode: str):
    """The restricted code object (cached per source); refuses (ExpressionError) what ``problems`` names."""
    found = problems(source, mode)
    if found:
        raise ExpressionError(f"表达式 {source.strip()[:80]!r} 不被允许：{'；'.join(found)}")
    return _compile(str(source), mode).code


def _bounded(run, max_steps: int, max_seconds: float):
    """Run ``run()`` counting the lines executed in restricted code; stop it past the bound."""
    state = {"steps": 0}
    deadline = time.monotonic() + max_seconds

    def local_trace(frame, event, arg):
        state["steps"] += 1
        if state["steps"] > max_steps or (state["steps"] % 1000 == 0 and time.monotonic() > deadline):
            raise EvaluationLimit(
                f"运行超过限制（{max_steps} 步或 {max_seconds:g} 秒），可能是死循环，已停止")
        return local_trace

    def global_trace(frame, event, arg):
        # only the diagram's own code is traced; the product's functions run at full speed
        return local_trace if frame.f_code.co_filename == FILENAME else None

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        return run()
    except RecursionError as exc:
        raise EvaluationLimit("递归过深，可能是死循环，已停止") from exc
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, restricted: ``functions`` are the only callables."""

    def __init__(self, functions: dict | None = None, max_steps: int = MAX_STEPS,
                 max_seconds: float = MAX_SECONDS):
        super().__init__(dict(functions or {}))
        self.max_steps = max_steps
        self.max_seconds = max_seconds

    def _base(self, external_context) -> dict:
        base = {"__builtins__": SAFE_BUILTINS, **GUARDS}
        base.update(self.globals)
        base.update(external_context or {})
        return base

    def evaluate(self, expression, context, external_context=None):
        code = compiled(expression, "eval")
        scope = self._base(external_context)
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS  # a variable never replaces the builtins
        return _bounded(lambda: eval(code, scope), self.max_steps, self.max_seconds)  # noqa: S307

    def execute(self, script, context, external_context=None):
        code = compiled(script, "exec")
        clash = (set(self.globals) | set(external_context or {})) & set(context)
        if clash:
            raise ExpressionError(f"流程变量与函数同名：{'、'.join(sorted(clash))}，请给变量或表单字段换个名字")
        base = self._base(external_context)
        before = {key: id(value) for key, value in context.items()}
        context.update(base)
        try:
            _bounded(lambda: exec(code, context), self.max_steps, self.max_seconds)  # noqa: S102
        finally:
            for key in list(context):
                if key in base or callable(context[key]) or key.startswith("_"):
                    context.pop(key)
        for key, value in context.items():  # what the script (re)bound must be storable (app/engine/storable.py)
            if before.get(key) != id(value) and (found := storable.problem(key, value)):
                raise ExpressionError(f"脚本运行后，{found}")
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        raise ExpressionError("服务任务只能通过 camunda:expression 调用产品提供的函数")


def evaluate(expression: str, variables: dict, functions: dict | None = None):
    """Evaluate one expression over plain variables (form conditions, defaults)."""
    return RestrictedEnvironment(functions).evaluate(expression, dict(variables))
