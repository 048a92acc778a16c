//! Peephole fusion: pairs of instructions the evaluator runs as one.
//!
//! A fused instruction replaces the first of a pair and, when it runs,
//! skips the second, which stays in place: jump targets and the position
//! table are unchanged, and a jump straight to the second instruction still
//! finds it. Programs are written unfused and fused again when read back,
//! so the stored format has one instruction set.

use super::Op;
use crate::syntax::ast::BinaryOp;

/// Whether `op` is a comparison (its result is a bool).
fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
    )
}

/// Fuses `LoadLocal; Binary`, `Const; Binary`, `LoadLocal; InplaceBinary`
/// and `Binary(comparison); JumpIfFalse` in `code`.
pub fn fuse(code: &mut [Op]) {
    for pc in 0..code.len().saturating_sub(1) {
        let next = code[pc + 1];
        code[pc] = match (code[pc], next) {
            (Op::LoadLocal(a), Op::Binary(b)) => Op::BinaryLocal(b, a),
            (Op::LoadLocal(a), Op::InplaceBinary(b)) => Op::InplaceBinaryLocal(b, a),
            (Op::Const(k), Op::Binary(b)) => Op::BinaryConst(b, k),
            (Op::Binary(b), Op::JumpIfFalse(t)) if is_comparison(b) => Op::CompareJumpIfFalse(b, t),
            (op, _) => op,
        };
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
}
