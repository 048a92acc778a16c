//! A compact binary encoding of [`Program`]s, so a script compiled once can be
//! stored and run many times. Decoding checks every length and tag and fails
//! with a [`DecodeError`] on malformed input; it never panics.

use super::{FuncCode, Op, Program};
use crate::syntax::ast::{BinaryOp, Pos, Scope, UnaryOp};
use crate::values::Value;
use num_bigint::{BigInt, Sign};
use std::rc::Rc;

const MAGIC: &[u8; 8] = b"QSTARPG1";

/// Why bytes could not be read back as a program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid compiled program: {0}")]
pub struct DecodeError(pub String);

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn pos(&mut self, p: Pos) {
        self.u32(p.line);
        self.u32(p.col);
    }
}

fn binop_code(op: BinaryOp) -> u8 {
    use BinaryOp::*;
    [
        Add, Sub, Mul, Div, FloorDiv, Mod, BitAnd, BitOr, BitXor, Shl, Shr, Eq, Ne, Lt, Le, Gt, Ge,
        In, NotIn, And, Or,
    ]
    .iter()
    .position(|&o| o == op)
    .unwrap_or(0) as u8
}

fn binop_from(c: u8) -> Option<BinaryOp> {
    use BinaryOp::*;
    [
        Add, Sub, Mul, Div, FloorDiv, Mod, BitAnd, BitOr, BitXor, Shl, Shr, Eq, Ne, Lt, Le, Gt, Ge,
        In, NotIn, And, Or,
    ]
    .get(c as usize)
    .copied()
}

fn unop_code(op: UnaryOp) -> u8 {
    match op {
        UnaryOp::Minus => 0,
        UnaryOp::Plus => 1,
        UnaryOp::Tilde => 2,
        UnaryOp::Not => 3,
    }
}

fn unop_from(c: u8) -> Option<UnaryOp> {
    Some(match c {
        0 => UnaryOp::Minus,
        1 => UnaryOp::Plus,
        2 => UnaryOp::Tilde,
        3 => UnaryOp::Not,
        _ => return None,
    })
}

/// (tag, operand) of an instruction.
fn op_parts(op: Op) -> (u8, u32) {
    match op {
        // Stored unfused: as the instruction the fused one replaced.
        Op::BinaryLocal(_, a) | Op::InplaceBinaryLocal(_, a) => (9, a),
        Op::BinaryConst(_, k) => (5, k),
        Op::CompareJumpIfFalse(b, _) => (19, binop_code(b) as u32),
        Op::LoadLocal2(v)
        | Op::LoadLocalConst(v)
        | Op::IndexLocals(v)
        | Op::IndexLocalConst(v)
        | Op::SetIndexLocals(v) => (9, super::opcode::unpack2(v).0),
        Op::StoreLoadLocal(v) => (10, super::opcode::unpack2(v).0),
        Op::IndexConst(k) => (5, k),
        Op::Pop => (0, 0),
        Op::Dup => (1, 0),
        Op::Dup2 => (2, 0),
        Op::Swap => (3, 0),
        Op::Rot3 => (4, 0),
        Op::Const(i) => (5, i),
        Op::None => (6, 0),
        Op::True => (7, 0),
        Op::False => (8, 0),
        Op::LoadLocal(i) => (9, i),
        Op::StoreLocal(i) => (10, i),
        Op::LoadCell(i) => (11, i),
        Op::StoreCell(i) => (12, i),
        Op::LoadFree(i) => (13, i),
        Op::LoadGlobal(i) => (14, i),
        Op::StoreGlobal(i) => (15, i),
        Op::LoadPredeclared(i) => (16, i),
        Op::LoadUniversal(i) => (17, i),
        Op::Unary(u) => (18, unop_code(u) as u32),
        Op::Binary(b) => (19, binop_code(b) as u32),
        Op::InplaceBinary(b) => (20, binop_code(b) as u32),
        Op::Jump(t) => (21, t),
        Op::JumpIfFalse(t) => (22, t),
        Op::JumpIfTrue(t) => (23, t),
        Op::JumpIfFalseOrPop(t) => (24, t),
        Op::JumpIfTrueOrPop(t) => (25, t),
        Op::IterPush => (26, 0),
        Op::IterNext(t) => (27, t),
        Op::IterPop => (28, 0),
        Op::MakeList(n) => (29, n),
        Op::MakeTuple(n) => (30, n),
        Op::MakeDict(n) => (31, n),
        Op::ListAppend => (32, 0),
        Op::DictInsert => (33, 0),
        Op::Index => (34, 0),
        Op::SetIndex => (35, 0),
        Op::Slice => (36, 0),
        Op::Attr(i) => (37, i),
        Op::SetAttr(i) => (38, i),
        Op::Unpack(n) => (39, n),
        Op::Call(s) => (40, s),
        Op::MakeFunc(i) => (41, i),
        Op::Return => (42, 0),
        Op::LoadModule(i) => (43, i),
        Op::LoadExport(i) => (44, i),
        Op::DictInsertUnique => (45, 0),
        Op::CallMethod(s) => (46, s),
    }
}

fn op_from(tag: u8, v: u32) -> Option<Op> {
    Some(match tag {
        0 => Op::Pop,
        1 => Op::Dup,
        2 => Op::Dup2,
        3 => Op::Swap,
        4 => Op::Rot3,
        5 => Op::Const(v),
        6 => Op::None,
        7 => Op::True,
        8 => Op::False,
        9 => Op::LoadLocal(v),
        10 => Op::StoreLocal(v),
        11 => Op::LoadCell(v),
        12 => Op::StoreCell(v),
        13 => Op::LoadFree(v),
        14 => Op::LoadGlobal(v),
        15 => Op::StoreGlobal(v),
        16 => Op::LoadPredeclared(v),
        17 => Op::LoadUniversal(v),
        18 => Op::Unary(unop_from(u8::try_from(v).ok()?)?),
        19 => Op::Binary(binop_from(u8::try_from(v).ok()?)?),
        20 => Op::InplaceBinary(binop_from(u8::try_from(v).ok()?)?),
        21 => Op::Jump(v),
        22 => Op::JumpIfFalse(v),
        23 => Op::JumpIfTrue(v),
        24 => Op::JumpIfFalseOrPop(v),
        25 => Op::JumpIfTrueOrPop(v),
        26 => Op::IterPush,
        27 => Op::IterNext(v),
        28 => Op::IterPop,
        29 => Op::MakeList(v),
        30 => Op::MakeTuple(v),
        31 => Op::MakeDict(v),
        32 => Op::ListAppend,
        33 => Op::DictInsert,
        34 => Op::Index,
        35 => Op::SetIndex,
        36 => Op::Slice,
        37 => Op::Attr(v),
        38 => Op::SetAttr(v),
        39 => Op::Unpack(v),
        40 => Op::Call(v),
        41 => Op::MakeFunc(v),
        42 => Op::Return,
        43 => Op::LoadModule(v),
        44 => Op::LoadExport(v),
        45 => Op::DictInsertUnique,
        46 => Op::CallMethod(v),
        _ => return None,
    })
}

fn scope_parts(s: Scope) -> (u8, u32) {
    match s {
        Scope::Local(i) => (0, i),
        Scope::Cell(i) => (1, i),
        Scope::Free(i) => (2, i),
        Scope::Global(i) => (3, i),
        Scope::Predeclared => (4, 0),
        Scope::Universal => (5, 0),
    }
}

fn scope_from(t: u8, i: u32) -> Option<Scope> {
    Some(match t {
        0 => Scope::Local(i),
        1 => Scope::Cell(i),
        2 => Scope::Free(i),
        3 => Scope::Global(i),
        4 => Scope::Predeclared,
        5 => Scope::Universal,
        _ => return None,
    })
}

fn encode_func(w: &mut W, f: &FuncCode) {
    w.str(&f.name);
    w.pos(f.pos);
    w.u32(f.code.len() as u32);
    for (op, p) in f.code.iter().zip(f.positions.iter()) {
        let (t, v) = op_parts(*op);
        w.u8(t);
        w.u32(v);
        w.pos(*p);
    }
    w.u32(f.consts.len() as u32);
    for c in &f.consts {
        match c {
            Value::Int(i) => {
                w.u8(0);
                w.0.extend_from_slice(&i.to_le_bytes());
            }
            Value::BigInt(b) => {
                w.u8(1);
                let (sign, mag) = b.to_bytes_le();
                w.u8(u8::from(sign == Sign::Minus));
                w.bytes(&mag);
            }
            Value::Float(x) => {
                w.u8(2);
                w.0.extend_from_slice(&x.to_bits().to_le_bytes());
            }
            Value::Str(s) => {
                w.u8(3);
                w.bytes(s.as_bytes());
            }
            Value::Bytes(b) => {
                w.u8(4);
                w.bytes(b);
            }
            _ => w.u8(5),
        }
    }
    w.u32(f.names.len() as u32);
    for n in &f.names {
        w.str(n);
    }
    w.u32(f.locals.len() as u32);
    for n in &f.locals {
        w.str(n);
    }
    w.u32(f.cells.len() as u32);
    for c in &f.cells {
        w.u32(*c);
    }
    w.u32(f.free_vars.len() as u32);
    for (n, s) in &f.free_vars {
        w.str(n);
        let (t, i) = scope_parts(*s);
        w.u8(t);
        w.u32(i);
    }
    w.u32(f.num_params);
    w.u32(f.num_kwonly);
    w.u8(u8::from(f.has_varargs));
    w.u8(u8::from(f.has_kwargs));
    w.u32(f.has_default.len() as u32);
    for d in &f.has_default {
        w.u8(u8::from(*d));
    }
    w.u32(f.functions.len() as u32);
    for g in &f.functions {
        encode_func(w, g);
    }
}

/// Encodes a program.
pub fn encode_program(p: &Program) -> Vec<u8> {
    let mut w = W(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.str(&p.path);
    w.u32(p.globals.len() as u32);
    for g in &p.globals {
        w.str(g);
    }
    w.u32(p.loads.len() as u32);
    for l in &p.loads {
        w.str(l);
    }
    encode_func(&mut w, &p.toplevel);
    w.0
}

struct R<'a> {
    b: &'a [u8],
    at: usize,
    depth: u32,
}

fn bad(what: &str) -> DecodeError {
    DecodeError(what.to_string())
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| bad("length overflow"))?;
        let s = self.b.get(self.at..end).ok_or_else(|| bad("truncated"))?;
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        // Every element takes at least one byte: reject absurd counts early.
        if n > self.b.len().saturating_sub(self.at) {
            return Err(bad("count exceeds input"));
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| bad("invalid UTF-8 name"))
    }
    fn pos(&mut self) -> Result<Pos, DecodeError> {
        Ok(Pos::new(self.u32()?, self.u32()?))
    }
}

fn decode_func(r: &mut R<'_>, path: &Rc<str>, nglobals: usize) -> Result<FuncCode, DecodeError> {
    r.depth += 1;
    if r.depth > 200 {
        return Err(bad("functions nested too deeply"));
    }
    let name = r.string()?;
    let pos = r.pos()?;
    let n = r.count()?;
    let mut code = Vec::with_capacity(n);
    let mut positions = Vec::with_capacity(n);
    for _ in 0..n {
        let t = r.u8()?;
        let v = r.u32()?;
        code.push(op_from(t, v).ok_or_else(|| bad("unknown instruction"))?);
        positions.push(r.pos()?);
    }
    let n = r.count()?;
    let mut consts = Vec::with_capacity(n);
    for _ in 0..n {
        consts.push(match r.u8()? {
            0 => Value::Int(r.u64()? as i64),
            1 => {
                let neg = r.u8()? == 1;
                let mag = r.bytes()?;
                let sign = if neg { Sign::Minus } else { Sign::Plus };
                Value::from_bigint(BigInt::from_bytes_le(sign, mag))
            }
            2 => Value::Float(f64::from_bits(r.u64()?)),
            3 => Value::str_bytes(r.bytes()?.to_vec()),
            4 => Value::Bytes(Rc::new(r.bytes()?.to_vec())),
            5 => Value::None,
            _ => return Err(bad("unknown constant")),
        });
    }
    let n = r.count()?;
    let mut names = Vec::with_capacity(n);
    for _ in 0..n {
        names.push(Rc::from(r.string()?.as_str()));
    }
    let n = r.count()?;
    let mut locals = Vec::with_capacity(n);
    for _ in 0..n {
        locals.push(r.string()?);
    }
    let n = r.count()?;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        cells.push(r.u32()?);
    }
    let n = r.count()?;
    let mut free_vars = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        let t = r.u8()?;
        let i = r.u32()?;
        free_vars.push((name, scope_from(t, i).ok_or_else(|| bad("unknown scope"))?));
    }
    let num_params = r.u32()?;
    let num_kwonly = r.u32()?;
    let has_varargs = r.u8()? == 1;
    let has_kwargs = r.u8()? == 1;
    let n = r.count()?;
    let mut has_default = Vec::with_capacity(n);
    for _ in 0..n {
        has_default.push(r.u8()? == 1);
    }
    let n = r.count()?;
    let mut functions = Vec::with_capacity(n);
    for _ in 0..n {
        functions.push(Rc::new(decode_func(r, path, nglobals)?));
    }
    r.depth -= 1;
    let f = FuncCode {
        name,
        path: path.clone(),
        pos,
        code,
        positions,
        consts,
        names,
        locals,
        cells,
        free_vars,
        num_params,
        num_kwonly,
        has_varargs,
        has_kwargs,
        has_default,
        functions,
        method_cache: Vec::new(),
    };
    validate(&f, nglobals)?;
    let mut f = f;
    f.prepare();
    Ok(f)
}

/// Checks that every operand indexes something that exists, so that a
/// decoded program cannot make the evaluator index out of bounds.
fn validate(f: &FuncCode, nglobals: usize) -> Result<(), DecodeError> {
    let n = f.code.len() as u32;
    let nlocals = f.locals.len() as u32;
    let extra = u32::from(f.has_varargs) + u32::from(f.has_kwargs);
    if f.num_params + extra > nlocals || f.has_default.len() as u32 != f.num_params {
        return Err(bad("parameter layout"));
    }
    if f.cells.iter().any(|&c| c >= nlocals) {
        return Err(bad("cell slot out of range"));
    }
    for op in &f.code {
        let ok = match *op {
            Op::Const(i) | Op::LoadModule(i) | Op::LoadExport(i) => (i as usize) < f.consts.len(),
            Op::LoadLocal(i) | Op::StoreLocal(i) => i < nlocals,
            Op::LoadCell(i) | Op::StoreCell(i) => (i as usize) < f.cells.len(),
            Op::LoadFree(i) => (i as usize) < f.free_vars.len(),
            Op::LoadPredeclared(i) | Op::LoadUniversal(i) | Op::Attr(i) | Op::SetAttr(i) => {
                (i as usize) < f.names.len()
            }
            Op::Jump(t)
            | Op::JumpIfFalse(t)
            | Op::JumpIfTrue(t)
            | Op::JumpIfFalseOrPop(t)
            | Op::JumpIfTrueOrPop(t)
            | Op::IterNext(t) => t <= n,
            Op::MakeFunc(i) => (i as usize) < f.functions.len(),
            Op::LoadGlobal(i) | Op::StoreGlobal(i) => (i as usize) < nglobals,
            Op::CallMethod(v) => (super::CallShape::unpack_method(v).1 as usize) < f.names.len(),
            _ => true,
        };
        if !ok {
            return Err(bad("operand out of range"));
        }
    }
    Ok(())
}

/// Decodes a program.
pub fn decode_program(bytes: &[u8]) -> Result<Program, DecodeError> {
    let mut r = R {
        b: bytes,
        at: 0,
        depth: 0,
    };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(bad("not a compiled Starlark program"));
    }
    let path = r.string()?;
    let n = r.count()?;
    let mut globals = Vec::with_capacity(n);
    for _ in 0..n {
        globals.push(r.string()?);
    }
    let n = r.count()?;
    let mut loads = Vec::with_capacity(n);
    for _ in 0..n {
        loads.push(r.string()?);
    }
    let rc_path: Rc<str> = Rc::from(path.as_str());
    let toplevel = Rc::new(decode_func(&mut r, &rc_path, globals.len())?);
    if r.at != bytes.len() {
        return Err(bad("trailing bytes"));
    }
    Ok(Program {
        path,
        toplevel,
        globals,
        loads,
    })
}
