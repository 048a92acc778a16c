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

/// Fuses pairs in `code`: an operand with its operator (`LoadLocal; Binary`,
/// `Const; Binary`, `LoadLocal; InplaceBinary`, `Const; Index`), a
/// comparison with its branch, and the loads and stores that most often
/// follow one another (`LoadLocal; LoadLocal`, `LoadLocal; Const`,
/// `StoreLocal; LoadLocal`). A load pair is left alone when its second
/// instruction fuses with an operator after it: operand fusion saves more.
pub fn fuse(code: &mut [Op]) {
    for pc in 0..code.len().saturating_sub(1) {
        let next = code[pc + 1];
        let next_fuses = code
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
            Op::LoadLocal2(v) | Op::LoadLocalConst(v) => Op::LoadLocal(unpack2(v).0),
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
        assert_eq!(code[0], Op::LoadLocal2(1 | 2 << 16));
        // LoadLocal(2); Const(3) would fuse, but Const(3); Index fuses with
        // its operator, which saves more.
        assert_eq!(code[1], Op::LoadLocal(2));
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
