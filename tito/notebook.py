"""Helpers for module notebooks: ``extends`` lets a class grow across cells.

A notebook teaches one piece per cell: the explanation, the exercise (a method or two),
then its tests. Python wants a class in one ``class`` statement, so later cells add their
methods to the class with ``extends``::

    # %% solution="tensor-init"
    #| export
    class Tensor:
        def __init__(self, data): ...

    # %% solution="tensor-add"
    #| export
    @extends(Tensor)
    class TensorArithmetic:
        def __add__(self, other): ...

In the notebook the decorator copies the methods onto ``Tensor``; ``tito`` export splices
the body of ``TensorArithmetic`` into ``class Tensor`` itself, so the exported library has
one plain class and no trace of ``extends`` (see course/AUTHORING.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["extends"]

# Attributes every class statement makes for itself; they describe the piece, not the class.
_OWN = frozenset({"__dict__", "__weakref__", "__module__", "__qualname__", "__doc__"})


def _functions(value: Any) -> list[Any]:
    """The plain functions inside a class attribute (a method, property or other wrapper)."""
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if f is not None]
    inner = getattr(value, "__func__", None)  # classmethod, staticmethod
    if inner is not None:
        return [inner]
    return [value] if callable(value) and hasattr(value, "__code__") else []


def extends(cls: type) -> Callable[[type], type]:
    """Class decorator: copy the decorated class's own attributes onto ``cls``, return ``cls``.

    Functions, properties, classmethods, staticmethods and constants are copied; the
    decorated class itself is thrown away (its name is bound to ``cls``). So that the
    methods behave exactly as if written inside ``class cls``: zero-argument ``super()``
    refers to ``cls``, their ``__qualname__`` reads ``cls.name``, and descriptors get
    ``__set_name__(cls, name)``. Export turns the same cell into plain code in ``cls``'s
    body, so the library never calls this.
    """
    if not isinstance(cls, type):
        raise TypeError(f"extends() takes the class to extend, got {cls!r}: "
                        "write @extends(Tensor) above the class")

    def decorate(piece: type) -> type:
        if not isinstance(piece, type):
            raise TypeError(f"@extends({cls.__name__}) decorates a class, not {piece!r}")
        if piece.__bases__ != (object,):
            raise TypeError(f"@extends({cls.__name__}) class {piece.__name__} must not have "
                            "base classes: its methods go into "
                            f"{cls.__name__}, whose bases already apply")
        attributes = dict(vars(piece))
        mangled = [name for name in attributes if name.startswith(f"_{piece.__name__}__")]
        if mangled or "__slots__" in attributes:
            raise TypeError(f"class {piece.__name__}: __private names and __slots__ mean "
                            f"something else outside class {cls.__name__}: use a single "
                            "leading underscore")
        # A class statement defining __eq__ but not __hash__ gets __hash__ = None; in cls's
        # own body that happens only if cls has no __hash__ of its own.
        if "__eq__" in attributes and attributes.get("__hash__", 0) is None \
                and "__hash__" in vars(cls):
            del attributes["__hash__"]
        for name, value in attributes.items():
            if name in _OWN:
                continue
            for function in _functions(value):
                _rehome(function, piece, cls)
            setattr(cls, name, value)
            set_name = getattr(type(value), "__set_name__", None)
            if set_name is not None:
                set_name(value, cls, name)
        return cls

    return decorate


def _rehome(function: Any, piece: type, cls: type) -> None:
    """Make ``function`` (defined in ``piece``) look and act as if defined in ``cls``."""
    if function.__qualname__.startswith(f"{piece.__qualname__}."):
        own = function.__qualname__[len(piece.__qualname__) + 1:]
        function.__qualname__ = f"{cls.__qualname__}.{own}"
    code = getattr(function, "__code__", None)
    closure = getattr(function, "__closure__", None)
    if code is not None and closure and "__class__" in code.co_freevars:
        cell = closure[code.co_freevars.index("__class__")]
        if cell.cell_contents is piece:  # the cell zero-argument super() reads
            cell.cell_contents = cls
