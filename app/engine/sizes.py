"""Size guards for what one C-level operation of a diagram's code may build.

The evaluator's step and time bounds (evaluator._bounded) count Python lines: a single
``10 ** (10 ** 7)`` or ``"a" * 3_000_000_000`` is one line that holds the thread (and the GIL)
for seconds, or takes gigabytes. The restricting policy below rewrites ``**``, ``*``, ``+``, ``<<``, ``%``
(and their augmented forms) and f-string format specs into calls of these guards, which refuse results
beyond the limits with a Chinese message before computing them. ``pow``, ``range``, the padding methods
of ``str`` and the methods whose result can outgrow their input (``replace``, ``translate``, ``join``,
``expandtabs``, ``int.to_bytes``) get the same guard.
"""

from __future__ import annotations

import ast
import math
import re

from RestrictedPython import RestrictingNodeTransformer

MAX_INT_BITS = 100_000  # about 30,000 decimal digits: far beyond any deadline or counter
MAX_ITEMS = 1_000_000  # characters of a string, items of a list or tuple built at once
MAX_WIDTH = 10_000  # a format or padding width


class TooLarge(Exception):
    """A result the limits refuse (an ExpressionError's cause; the message is Chinese)."""


def _bits(value: int) -> int:
    return abs(int(value)).bit_length()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse(what: str):
    raise TooLarge(f"结果过大（{what}），已停止：请检查表达式")


def guarded_pow(base, exponent, modulo=None):
    huge = (modulo is None and _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1
            and exponent * math.log2(abs(base)) > MAX_INT_BITS)
    if huge:
        _refuse(f"{_bits(base)} 位整数的 {exponent} 次方")
    return pow(base, exponent) if modulo is None else pow(base, exponent, modulo)


def guarded_mul(left, right):
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | bytes | list | tuple) and _is_int(times) and len(seq) * times > MAX_ITEMS:
            _refuse(f"{len(seq)} × {times} 个元素")
    if _is_int(left) and _is_int(right) and _bits(left) + _bits(right) > MAX_INT_BITS:
        _refuse("整数乘积超过 10 万位")
    return left * right


def _check_added(left, right) -> None:
    if isinstance(left, str | bytes | list | tuple) and isinstance(right, str | bytes | list | tuple) \
            and len(left) + len(right) > MAX_ITEMS:
        _refuse(f"相加后超过 {MAX_ITEMS} 个元素")


def guarded_add(left, right):
    """``+`` of two strings, bytes, lists or tuples: a loop of ``x = x + x`` doubles in a few lines."""
    _check_added(left, right)
    return left + right


def guarded_iadd(left, right):
    """``+=``: the same bound, then in place as Python does it (a list another name holds grows too)."""
    _check_added(left, right)
    left += right
    return left


def guarded_lshift(left, right):
    if _is_int(left) and _is_int(right) and left and _bits(left) + right > MAX_INT_BITS:
        _refuse(f"左移 {right} 位")
    return left << right


_WIDTH = re.compile(r"(\d+)")


def guarded_format(value, spec: str = ""):
    if any(int(n) > MAX_WIDTH for n in _WIDTH.findall(spec or "")):
        _refuse(f"格式宽度 {spec!r}")
    return format(value, spec)


_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?")


def items_in(value, limit: int = MAX_ITEMS) -> int:
    """How many items writing ``value`` out visits (a shared list counted each time it is met), up to ``limit``+1."""
    seen, stack = 0, [value]
    while stack:
        current = stack.pop()
        seen += 1
        if seen > limit:
            return seen
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list | tuple | set | frozenset):
            stack.extend(current)
    return seen


def sized(value):
    """A value about to be written out as text (``str(x)``, ``repr(x)``, an f-string's ``{x}``, ``'%s' % x``):
    refused when that would visit more than MAX_ITEMS items (a list that shares itself)."""
    if isinstance(value, list | tuple | dict | set | frozenset) and items_in(value) > MAX_ITEMS:
        _refuse(f"要写成文字的数据超过 {MAX_ITEMS} 项（可能是自己套自己的列表）")
    return value


def guarded_mod(left, right):
    """``%`` formatting of a str or bytes with a huge width or precision: written (``%9999999s``, ``%(a)9999999s``)
    or given as an argument (``'%*s' % (10 ** 9, '')``: then no whole number among the arguments may be huge)."""
    if isinstance(left, str | bytes):
        text = left.decode("latin-1") if isinstance(left, bytes) else left
        starred = False
        for width, precision in _PERCENT_WIDTH.findall(text):
            starred = starred or "*" in (width, precision)
            if int(width.strip("*") or 0) > MAX_WIDTH or int(precision.strip("*") or 0) > MAX_WIDTH:
                _refuse(f"格式宽度 %{width}")
        given = right if isinstance(right, tuple) else right.values() if isinstance(right, dict) else (right,)
        if starred and any(_is_int(v) and abs(v) > MAX_WIDTH for v in given):
            _refuse("格式宽度（*）超过 1 万")
        for value in given:
            sized(value)
    return left % right


def _padding(method):
    def padded(width, *args):
        if _is_int(width) and width > MAX_WIDTH:
            _refuse(f"宽度 {width}")
        return method(width, *args)
    return padded


PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})


# The methods of str, bytes and int whose result can be far larger than what they are given: each one's
# result length is bounded before the call (an upper bound, computed from the arguments alone).
def _replace(text, method):
    def replace(old, new, count=-1):
        if isinstance(old, str | bytes) and isinstance(new, str | bytes) and _is_int(count) and len(new) > len(old):
            found = len(text) + 1 if not old else len(text) // len(old)
            times = found if count < 0 else min(count, found)
            if len(text) + times * (len(new) - len(old)) > MAX_ITEMS:
                _refuse(f"replace 的结果超过 {MAX_ITEMS} 个字符")
        return method(old, new, count)
    return replace


def _translate(text, method):
    def translate(table, *args):
        if isinstance(text, str):
            values = table.values() if isinstance(table, dict) else table if isinstance(table, list | tuple) else ()
            longest = max((len(v) for v in values if isinstance(v, str)), default=1)
            if len(text) * longest > MAX_ITEMS:
                _refuse(f"translate 的结果超过 {MAX_ITEMS} 个字符")
        return method(table, *args)
    return translate


def _join(separator, method):
    def join(parts):
        parts = list(parts)
        total = len(separator) * max(len(parts) - 1, 0)
        if total > MAX_ITEMS or sum(len(p) for p in parts if isinstance(p, str | bytes)) + total > MAX_ITEMS:
            _refuse(f"join 的结果超过 {MAX_ITEMS} 个字符")
        return method(parts)
    return join


def _expandtabs(text, method):
    def expandtabs(tabsize=8):
        if _is_int(tabsize) and len(text) + text.count("\t" if isinstance(text, str) else b"\t") * tabsize > MAX_ITEMS:
            _refuse(f"expandtabs 的结果超过 {MAX_ITEMS} 个字符")
        return method(tabsize)
    return expandtabs


def _to_bytes(method):
    def to_bytes(length=1, *args, **kwargs):
        if _is_int(length) and length > MAX_ITEMS:
            _refuse(f"to_bytes 的长度 {length}")
        return method(length, *args, **kwargs)
    return to_bytes


def _growing_list(items: list, method, name: str):
    def call(*args):
        if name == "extend" and args:
            args = (list(args[0]),)  # (an iterator is read once: counted, then given)
        if len(items) + (len(args[0]) if name == "extend" and args else 1) > MAX_ITEMS:
            _refuse(f"列表的 {name} 后超过 {MAX_ITEMS} 个元素")
        return method(*args)
    return call


_GROWING_TEXT = {"replace": _replace, "translate": _translate, "join": _join, "expandtabs": _expandtabs}
_GUARDED_NAMES = PADDING_METHODS | set(_GROWING_TEXT) | {"to_bytes"}


_MISSING = object()


def guarded_attribute(getattr_):
    """``_getattr_`` with the padding and growing methods of str, bytes and int wrapped (their results bounded
    before they are built), and a missing attribute an error (RestrictedPython's
    ``safer_getattr`` answers None for it, so a misspelt ``reply.strp()`` passed as None)."""
    def get(obj, name, *default):
        found = getattr_(obj, name, *(default or (_MISSING,)))
        if found is _MISSING:
            raise AttributeError(f"{type(obj).__name__} 没有属性 {name}")
        if isinstance(obj, type) and issubclass(obj, str | bytes | int) and name in _GUARDED_NAMES:  # str.join(…)
            return lambda self, *args, **kwargs: get(self, name)(*args, **kwargs)
        if isinstance(obj, list) and name in ("extend", "insert"):
            return _growing_list(obj, found, name)
        if isinstance(obj, str | bytes):
            if name in PADDING_METHODS:
                return _padding(found)
            if name in _GROWING_TEXT:
                return _GROWING_TEXT[name](obj, found)
        elif isinstance(obj, int) and name == "to_bytes":  # (True.to_bytes too)
            return _to_bytes(found)
        return found
    return get


MAX_RANGE = 100_000  # numbers in one range()


def bounded_range(*args):
    """``range`` with at most MAX_RANGE numbers (RestrictedPython's limited_range allows 999, and says so in English)."""
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:  # more than the machine's word can count
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        _refuse(f"range() 的数超过 {MAX_RANGE} 个")
    return numbers


GUARDS = {"_pow_": guarded_pow, "_mul_": guarded_mul, "_add_": guarded_add, "_lshift_": guarded_lshift,
          "_mod_": guarded_mod, "_format_": guarded_format}
_BINOPS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.Add: "_add_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}
AUGMENTED = {"**=": guarded_pow, "*=": guarded_mul, "+=": guarded_iadd, "<<=": guarded_lshift, "%=": guarded_mod}


def _call(name: str, *args, like) -> ast.Call:
    call = ast.copy_location(ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[]), like)
    return ast.fix_missing_locations(call)


class SizeGuardingPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, with the operators above routed through the guards."""

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        name = _BINOPS.get(type(node.op))
        return _call(name, node.left, node.right, like=node) if name else node

    def visit_FormattedValue(self, node):
        node = self.node_contents_visit(node)
        node.value = _call("_sized_", node.value, like=node)  # (growth.py: a structure sharing itself)
        if node.format_spec is None:
            return node
        value = node.value
        if node.conversion in (ord("s"), ord("r"), ord("a")):
            converter = {ord("s"): "str", ord("r"): "repr", ord("a"): "ascii"}[node.conversion]
            value = _call(converter, value, like=node)
        formatted = _call("_format_", value, node.format_spec, like=node)
        return ast.fix_missing_locations(
            ast.copy_location(ast.FormattedValue(value=formatted, conversion=-1, format_spec=None), node))


    def visit_JoinedStr(self, node):
        """An f-string of several pieces: joined by growth.joined, which knows their total first."""
        node = self.node_contents_visit(node)
        if len(node.values) < 2:
            return node
        pieces = [ast.copy_location(ast.JoinedStr(values=[v]), v) if isinstance(v, ast.FormattedValue) else v
                  for v in node.values]
        return _call("_joined_", *pieces, like=node)

    def _spread(self, node, kind: str):
        node = self.node_contents_visit(node)
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load) or not any(
                isinstance(e, ast.Starred) for e in node.elts):
            return node
        parts = [ast.Tuple(elts=[ast.Constant(isinstance(e, ast.Starred)), e.value if isinstance(e, ast.Starred)
                                 else e], ctx=ast.Load()) for e in node.elts]
        return _call("_spread_", ast.Constant(kind), *parts, like=node)

    def visit_List(self, node):
        return self._spread(node, "list")

    def visit_Tuple(self, node):
        return self._spread(node, "tuple")

    def visit_Set(self, node):
        return self._spread(node, "set")

    def visit_Call(self, node):
        """``str(x)``, ``repr(x)``, ``ascii(x)``: the value checked by growth.sized first."""
        node = super().visit_Call(node)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr", "ascii")
                and len(node.args) == 1 and not node.keywords):
            node.args = [_call("_sized_", node.args[0], like=node)]
        return node


# -- one engine operation ---------------------------------------------------------------------------------
# The evaluator bounds one expression; a diagram can still make one operation (a start, a completed task, a
# timer) run for ever without any expression being long: a loop of script tasks back through a gateway, a
# call activity calling its own process, a multi-instance of a hundred thousand items computed from data.
# elements the engine completes in one operation (ticket.bpmn: a few dozen); below SpiffWorkflow's own limit:
# it looks for ready tasks at most 1,000 levels down the task tree (TaskIterator's max_depth), and an instance
# whose path gets deeper just stops, silently, with nothing to do (each element passed is one level more).
# A loop's finished path is shortened after each operation (pruning.py), so this bound meets only an
# instance whose open tasks start near the root (a branch open since the start) and that loops for ever.
MAX_ELEMENTS_PER_OPERATION = 900
MAX_TREE_DEPTH = 990
MAX_INSTANCES = 1_000  # instances of one multi-instance activity
MAX_NESTING = 20  # subprocesses and call activities inside each other (each level makes every step slower)


class TooManySteps(Exception):
    """An engine operation beyond the bounds above (the message is Chinese)."""


def too_many_elements(name: str) -> TooManySteps:
    return TooManySteps(f"一次操作执行了超过 {MAX_ELEMENTS_PER_OPERATION} 个步骤，已停止（停在「{name}」）："
                        "流程可能在循环（例如脚本任务经网关一再回到自己，或调用活动调用自己的流程）")


def too_long(name: str) -> TooManySteps:
    return TooManySteps(f"流程实例已经走过约 {MAX_TREE_DEPTH} 个步骤，引擎无法再往下执行，已停止（停在「{name}」）："
                        "流程可能在反复循环；请把它迁移到修正后的版本或结束它")


def too_deep(name: str) -> TooManySteps:
    return TooManySteps(f"子流程或调用活动嵌套超过 {MAX_NESTING} 层，已停止（停在「{name}」）："
                        "调用活动可能在调用自己的流程")


def too_many_instances(count: int) -> TooManySteps:
    return TooManySteps(f"多实例要创建 {count} 个实例，超过 {MAX_INSTANCES} 个的上限，已停止："
                        "请检查循环次数（loopCardinality）或集合（camunda:collection）的数据")
