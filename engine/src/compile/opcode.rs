//! The bytecode instruction set: a stack machine with slot-addressed locals.
//! Every instruction is 8 bytes; jump targets are absolute instruction indices.

use crate::syntax::ast::{BinaryOp, UnaryOp};

/// One instruction. Stack effects are written `[before] -> [after]`, top on the right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// `[x] -> []`
    Pop,
    /// `[x] -> [x x]`
    Dup,
    /// `[x y] -> [x y x y]`
    Dup2,
    /// `[x y] -> [y x]`
    Swap,
    /// `[a b c] -> [c a b]`
    Rot3,
    /// `[] -> [const]`
    Const(u32),
    /// `[] -> [None]`
    None,
    /// `[] -> [True]`
    True,
    /// `[] -> [False]`
    False,
    /// `[] -> [local]` (error if unassigned)
    LoadLocal(u32),
    /// `[x] -> []`
    StoreLocal(u32),
    /// `[] -> [*cell]` for a local that lives in a cell, by cell index
    LoadCell(u32),
    /// `[x] -> []`, into a cell, by cell index
    StoreCell(u32),
    /// `[] -> [*freevar]`
    LoadFree(u32),
    /// `[] -> [global]` (error if unassigned)
    LoadGlobal(u32),
    /// `[x] -> []`
    StoreGlobal(u32),
    /// `[] -> [predeclared name]`, by name index
    LoadPredeclared(u32),
    /// `[] -> [universal name]`, by name index
    LoadUniversal(u32),
    /// `[x] -> [op x]`
    Unary(UnaryOp),
    /// `[x y] -> [x op y]`
    Binary(BinaryOp),
    /// `[x y] -> [x op= y]` (lists extend in place for `+=`)
    InplaceBinary(BinaryOp),
    /// Fused `LoadLocal(slot); Binary(op)`: `[x] -> [x op local]`, then skip one.
    BinaryLocal(BinaryOp, u32),
    /// Fused `LoadLocal(slot); InplaceBinary(op)`: `[x] -> [x op= local]`, then skip one.
    InplaceBinaryLocal(BinaryOp, u32),
    /// Fused `Const(k); Binary(op)`: `[x] -> [x op const]`, then skip one.
    BinaryConst(BinaryOp, u32),
    /// Fused `LoadLocal(a); LoadLocal(b)`: `[] -> [a b]`, then skip one;
    /// the slots are packed as `a | b << 16` (see [`pack2`]).
    LoadLocal2(u32),
    /// Fused `LoadLocal(a); Const(k)`: `[] -> [a const]`, then skip one;
    /// packed as `a | k << 16`.
    LoadLocalConst(u32),
    /// Fused `StoreLocal(a); LoadLocal(b)`: `[x] -> [b]` after storing x in
    /// a, then skip one; packed as `a | b << 16`.
    StoreLoadLocal(u32),
    /// Fused `Const(k); Index`: `[x] -> [x[const]]`, then skip one.
    IndexConst(u32),
    /// Fused `LoadLocal(a); LoadLocal(b); Index`: `[] -> [a[b]]` without
    /// copying either local, then skip two; packed as `a | b << 16`.
    IndexLocals(u32),
    /// Fused `LoadLocal(a); Const(k); Index`: `[] -> [a[const]]`, then skip
    /// two; packed as `a | k << 16`.
    IndexLocalConst(u32),
    /// Fused `LoadLocal(a); LoadLocal(b); SetIndex`: `[v] -> []`, `a[b] = v`,
    /// then skip two; packed as `a | b << 16`.
    SetIndexLocals(u32),
    /// Fused `Binary(comparison); JumpIfFalse(t)`: `[x y] -> []`, jumping
    /// to `t` when `x op y` is false, else skipping one.
    CompareJumpIfFalse(BinaryOp, u32),
    /// Unconditional jump.
    Jump(u32),
    /// `[x] -> []`, jump if falsy.
    JumpIfFalse(u32),
    /// `[x] -> []`, jump if truthy.
    JumpIfTrue(u32),
    /// `[x] -> [x]` and jump if falsy, else `[x] -> []`.
    JumpIfFalseOrPop(u32),
    /// `[x] -> [x]` and jump if truthy, else `[x] -> []`.
    JumpIfTrueOrPop(u32),
    /// `[iterable] -> []`, pushes an iterator on the frame's iterator stack.
    IterPush,
    /// `[] -> [next]`, or pops the iterator and jumps when it is exhausted.
    IterNext(u32),
    /// Pops the innermost iterator (for `break`).
    IterPop,
    /// `[x1..xn] -> [list]`
    MakeList(u32),
    /// `[x1..xn] -> [tuple]`
    MakeTuple(u32),
    /// `[] -> [dict]`, a new dict with room for n entries
    MakeDict(u32),
    /// `[list x] -> [list]`
    ListAppend,
    /// `[dict k v] -> [dict]`
    DictInsert,
    /// `[dict k v] -> [dict]`, failing on a key already present (dict literals)
    DictInsertUnique,
    /// `[x i] -> [x[i]]`
    Index,
    /// `[v x i] -> []`, `x[i] = v`
    SetIndex,
    /// `[x lo hi step] -> [x[lo:hi:step]]` (None for omitted parts)
    Slice,
    /// `[x] -> [x.name]`, by name index
    Attr(u32),
    /// `[v x] -> []`, `x.name = v`
    SetAttr(u32),
    /// `[iterable] -> [xn .. x1]` (first element on top)
    Unpack(u32),
    /// `[f args...] -> [result]`; operand packs counts and flags, see [`CallShape`].
    Call(u32),
    /// `[x args...] -> [result]`: `x.name(args)` without materialising the
    /// bound method; the operand packs a [`CallShape`] (low 18 bits) and the
    /// name index (high 14 bits), see [`CallShape::pack_method`].
    CallMethod(u32),
    /// `[defaults...] -> [function]`, by index into the code's nested functions.
    MakeFunc(u32),
    /// `[x] -> ` return x.
    Return,
    /// `[] -> [module]`: loads the module named by a string constant.
    LoadModule(u32),
    /// `[module] -> [module member]`, member named by a string constant.
    LoadExport(u32),
}

/// The shape of a call, packed into [`Op::Call`]'s operand: the stack holds
/// the callee, `positional` values, `named` (name, value) pairs, then the
/// `*args` value and the `**kwargs` value when present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallShape {
    /// Positional argument count (at most 255).
    pub positional: u8,
    /// Named argument count (at most 255).
    pub named: u8,
    /// Whether a `*args` value follows.
    pub star: bool,
    /// Whether a `**kwargs` value follows.
    pub star_star: bool,
}

impl CallShape {
    /// Packs the shape into an operand.
    pub fn pack(self) -> u32 {
        u32::from(self.positional)
            | (u32::from(self.named) << 8)
            | (u32::from(self.star) << 16)
            | (u32::from(self.star_star) << 17)
    }

    /// Largest name index [`CallShape::pack_method`] can hold.
    pub const MAX_METHOD_NAME: u32 = (1 << 14) - 1;

    /// Packs the shape with a method name index (at most [`CallShape::MAX_METHOD_NAME`]).
    pub fn pack_method(self, name: u32) -> u32 {
        self.pack() | (name << 18)
    }

    /// Unpacks a [`Op::CallMethod`] operand into the shape and the name index.
    pub fn unpack_method(v: u32) -> (CallShape, u32) {
        (CallShape::unpack(v & 0x3_ffff), v >> 18)
    }

    /// Unpacks an operand.
    pub fn unpack(v: u32) -> CallShape {
        CallShape {
            positional: (v & 0xff) as u8,
            named: ((v >> 8) & 0xff) as u8,
            star: (v >> 16) & 1 == 1,
            star_star: (v >> 17) & 1 == 1,
        }
    }

    /// Number of stack slots the arguments occupy (without the callee).
    pub fn stack_len(self) -> usize {
        self.positional as usize
            + 2 * self.named as usize
            + usize::from(self.star)
            + usize::from(self.star_star)
    }
}

/// Packs two operands of at most 16 bits into one (`a | b << 16`), for the
/// fused instructions that carry two; None if either is wider.
pub fn pack2(a: u32, b: u32) -> Option<u32> {
    (a < 1 << 16 && b < 1 << 16).then_some(a | (b << 16))
}

/// The two operands [`pack2`] packed.
#[inline(always)]
pub fn unpack2(v: u32) -> (u32, u32) {
    (v & 0xffff, v >> 16)
}
