//! [`type_name`]: the one vocabulary of column types a user sees, the
//! names scripts use (`int`, `float`, `string`, `bool`, `date`,
//! `timestamp`, ...), for every command and preview that shows a type.
//! Stored schemas keep Arrow's exact type; this is only how it is named.

use arrow_schema::DataType;

/// The name of a column type as scripts and every command show it:
/// `int`, `float`, `string`, `bool`, `null`, `date`, `timestamp`, else
/// Arrow's name in lowercase.
pub fn type_name(dt: &DataType) -> String {
    match dt {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "int".into(),
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => "int".into(),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Boolean => "bool".into(),
        DataType::Null => "null".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        other => other.to_string().to_lowercase(),
    }
}

/// [`type_name`] of a type written as Arrow displays it (`Int64`,
/// `Timestamp(Millisecond, None)`), as stored reports carry it; a text
/// that is not an Arrow type is returned as it is.
pub fn type_name_of(arrow: &str) -> String {
    arrow
        .parse::<DataType>()
        .map(|t| type_name(&t))
        .unwrap_or_else(|_| arrow.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::TimeUnit;

    #[test]
    fn one_vocabulary() {
        assert_eq!(type_name(&DataType::Int64), "int");
        assert_eq!(type_name(&DataType::Utf8), "string");
        assert_eq!(
            type_name(&DataType::Timestamp(TimeUnit::Millisecond, None)),
            "timestamp"
        );
        assert_eq!(type_name_of("Int64"), "int");
        assert_eq!(
            type_name_of(&DataType::Timestamp(TimeUnit::Second, Some("UTC".into())).to_string()),
            "timestamp"
        );
        assert_eq!(type_name_of("Float64"), "float");
        assert_eq!(type_name_of("no such type"), "no such type");
    }
}
