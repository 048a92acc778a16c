//! Peephole fusion: pairs of instructions the evaluator runs as one.
//!
//! A fused instruction replaces the first of a pair and, when it runs,
//! skips the second, which stays in place: jump targets and the position
//! table are unchanged, and a jump straight to the second instruction still
//! finds it. Programs are written unfused and fused again when read back,
//! so the stored format has one instruction set.

use super::opcode::pack2;
#[cfg(test)]
use super::opcode::unpack2;
use super::Op;
use crate::syntax::ast::BinaryOp;

/// Whether `op` is a comparison (its result is a bool).
fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
    )
}

/// The operator fusion of an unfused pair, if it has one (`LoadLocal;
/// Binary`, `Const; Binary`, `LoadLocal; InplaceBinary`, `Const; Index`).
fn fuse_operator(first: Op, second: Op) -> Option<Op> {
    Some(match (first, second) {
        (Op::LoadLocal(a), Op::Binary(b)) => Op::BinaryLocal(b, a),
        (Op::LoadLocal(a), Op::InplaceBinary(b)) => Op::InplaceBinaryLocal(b, a),
        (Op::Const(k), Op::Binary(b)) => Op::BinaryConst(b, k),
        (Op::Const(k), Op::Index) => Op::IndexConst(k),
        _ => return None,
    })
}

/// The fusion of the three unfused instructions at `pc`, if they are a
/// subscript of locals (`LoadLocal; LoadLocal; Index`, `LoadLocal; Const;
/// Index`) or an assignment to one (`LoadLocal; LoadLocal; SetIndex`):
/// run as one, they leave the locals where they are instead of copying
/// them onto the stack.
fn fuse_triple(code: &[Op], pc: usize) -> Option<Op> {
    match (code.get(pc)?, code.get(pc + 1)?, code.get(pc + 2)?) {
        (Op::LoadLocal(a), Op::LoadLocal(b), Op::Index) => pack2(*a, *b).map(Op::IndexLocals),
        (Op::LoadLocal(a), Op::Const(k), Op::Index) => pack2(*a, *k).map(Op::IndexLocalConst),
        (Op::LoadLocal(a), Op::LoadLocal(b), Op::SetIndex) => pack2(*a, *b).map(Op::SetIndexLocals),
        _ => None,
    }
}

/// Fuses runs in `code` (triples first, see [`fuse_triple`]), then pairs: an operand with its operator (`LoadLocal; Binary`,
/// `Const; Binary`, `LoadLocal; InplaceBinary`, `Const; Index`), a
/// comparison with its branch, and the loads and stores that most often
/// follow one another (`LoadLocal; LoadLocal`, `LoadLocal; Const`,
/// `StoreLocal; LoadLocal`). A load pair is left alone when its second
/// instruction starts a fusion that saves more.
pub fn fuse(code: &mut [Op]) {
    for pc in 0..code.len().saturating_sub(1) {
        if let Some(op) = fuse_triple(code, pc) {
            code[pc] = op;
            continue;
        }
        let next = code[pc + 1];
        let next_fuses = fuse_triple(code, pc + 1).is_some()
            || code
                .get(pc + 2)
                .is_some_and(|&after| fuse_operator(next, after).is_some());
        let fused = fuse_operator(code[pc], next).or_else(|| match (code[pc], next) {
            (Op::Binary(b), Op::JumpIfFalse(t)) if is_comparison(b) => {
                Some(Op::CompareJumpIfFalse(b, t))
            }
            _ if next_fuses => None,
            (Op::LoadLocal(a), Op::LoadLocal(b)) => pack2(a, b).map(Op::LoadLocal2),
            (Op::LoadLocal(a), Op::Const(k)) => pack2(a, k).map(Op::LoadLocalConst),
            (Op::StoreLocal(a), Op::LoadLocal(b)) => pack2(a, b).map(Op::StoreLoadLocal),
            _ => None,
        });
        if let Some(op) = fused {
            code[pc] = op;
        }
    }
}

#[cfg(test)]
impl Op {
    /// The instruction a fused instruction replaced (others unchanged).
    fn unfused(self) -> Op {
        match self {
            Op::BinaryLocal(_, a) | Op::InplaceBinaryLocal(_, a) => Op::LoadLocal(a),
            Op::BinaryConst(_, k) => Op::Const(k),
            Op::CompareJumpIfFalse(b, _) => Op::Binary(b),
            Op::LoadLocal2(v)
            | Op::LoadLocalConst(v)
            | Op::IndexLocals(v)
            | Op::IndexLocalConst(v)
            | Op::SetIndexLocals(v) => Op::LoadLocal(unpack2(v).0),
            Op::StoreLoadLocal(v) => Op::StoreLocal(unpack2(v).0),
            Op::IndexConst(k) => Op::Const(k),
            op => op,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuses_pairs_and_keeps_the_second_instruction() {
        let mut code = vec![
            Op::LoadLocal(0),
            Op::Const(1),
            Op::Binary(BinaryOp::Lt),
            Op::JumpIfFalse(7),
            Op::LoadLocal(2),
            Op::LoadLocal(3),
            Op::InplaceBinary(BinaryOp::Add),
            Op::Return,
        ];
        let original = code.clone();
        fuse(&mut code);
        assert_eq!(code[0], Op::LoadLocal(0));
        assert_eq!(code[1], Op::BinaryConst(BinaryOp::Lt, 1));
        assert_eq!(code[2], Op::CompareJumpIfFalse(BinaryOp::Lt, 7));
        assert_eq!(code[3], Op::JumpIfFalse(7));
        assert_eq!(code[5], Op::InplaceBinaryLocal(BinaryOp::Add, 3));
        let unfused: Vec<Op> = code.iter().map(|o| o.unfused()).collect();
        assert_eq!(unfused, original);
    }

    #[test]
    fn fuses_subscripts_of_locals() {
        let mut code = vec![
            Op::LoadLocal(1),
            Op::LoadLocal(2),
            Op::Index,
            Op::LoadLocal(1),
            Op::Const(3),
            Op::Index,
            Op::LoadLocal(4),
            Op::LoadLocal(5),
            Op::SetIndex,
            Op::Return,
        ];
        let original = code.clone();
        fuse(&mut code);
        assert_eq!(code[0], Op::IndexLocals(1 | 2 << 16));
        assert_eq!(code[3], Op::IndexLocalConst(1 | 3 << 16));
        // The instructions a fused run skips stay runnable (fused as pairs).
        assert_eq!(code[4], Op::IndexConst(3));
        assert_eq!(code[6], Op::SetIndexLocals(4 | 5 << 16));
        let unfused: Vec<Op> = code.iter().map(|o| o.unfused()).collect();
        assert_eq!(unfused, original);
    }

    #[test]
    fn fuses_loads_stores_and_constant_indexes() {
        let mut code = vec![
            Op::LoadLocal(1),
            Op::LoadLocal(2),
            Op::Const(3),
            Op::Index,
            Op::StoreLocal(4),
            Op::LoadLocal(5),
            Op::Const(6),
            Op::LoadLocal(70000),
            Op::LoadLocal(1),
            Op::Return,
        ];
        let original = code.clone();
        fuse(&mut code);
        // LoadLocal(1); LoadLocal(2) would fuse, but the three after it are
        // a subscript of a local, which saves more.
        assert_eq!(code[0], Op::LoadLocal(1));
        assert_eq!(code[1], Op::IndexLocalConst(2 | 3 << 16));
        assert_eq!(code[2], Op::IndexConst(3));
        assert_eq!(code[4], Op::StoreLoadLocal(4 | 5 << 16));
        assert_eq!(code[5], Op::LoadLocalConst(5 | 6 << 16));
        // A slot beyond 16 bits is not packed.
        assert_eq!(code[7], Op::LoadLocal(70000));
        assert_eq!(code[6], Op::Const(6));
        let unfused: Vec<Op> = code.iter().map(|o| o.unfused()).collect();
        assert_eq!(unfused, original);
    }
}
