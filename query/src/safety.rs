//! SQL safety: only read-only statements reach the planner.
//!
//! Statements are classified on the parsed AST before planning, so the refusal names the
//! statement; DataFusion's own `SQLOptions` (no DDL, DML or SET) is kept as a second guard.
//! File-reading table functions and URL tables are never registered in wharf sessions.

use datafusion::execution::context::SQLOptions;
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::Statement;

use crate::QueryError;

const ALLOWED: &str =
    "only SELECT, WITH, VALUES, EXPLAIN, SHOW TABLES/COLUMNS and DESCRIBE are allowed";

/// DataFusion's own guard, applied when planning.
pub fn sql_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Checks that `sql` is exactly one read-only statement.
pub fn check(sql: &str) -> Result<(), QueryError> {
    let statements = DFParser::parse_sql(sql)?;
    if statements.len() != 1 {
        return Err(QueryError::Refused(format!(
            "expected exactly one SQL statement, got {}",
            statements.len()
        )));
    }
    for statement in &statements {
        check_statement(statement)?;
    }
    Ok(())
}

fn check_statement(statement: &DfStatement) -> Result<(), QueryError> {
    match statement {
        DfStatement::Statement(s) => match s.as_ref() {
            Statement::Query(_)
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ExplainTable { .. } => Ok(()),
            Statement::Explain { statement, .. } => match statement.as_ref() {
                Statement::Query(_) => Ok(()),
                other => refuse(&statement_kind(other)),
            },
            other => refuse(&statement_kind(other)),
        },
        DfStatement::Explain(explain) => check_statement(&explain.statement),
        DfStatement::CreateExternalTable(_) => refuse("CREATE EXTERNAL TABLE"),
        DfStatement::CopyTo(_) => refuse("COPY"),
        DfStatement::Reset(_) => refuse("RESET"),
    }
}

fn refuse(what: &str) -> Result<(), QueryError> {
    Err(QueryError::Refused(format!(
        "{what} is not allowed: wharf SQL is read-only ({ALLOWED})"
    )))
}

/// The leading keywords of a statement, for the refusal message.
fn statement_kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    let kind = match words.as_slice() {
        [first, ..]
            if first.eq_ignore_ascii_case("CREATE") || first.eq_ignore_ascii_case("DROP") =>
        {
            words.iter().take(2).copied().collect::<Vec<_>>().join(" ")
        }
        [first, ..] => first.to_string(),
        [] => "this statement".to_string(),
    };
    kind.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_statements_pass() {
        for sql in [
            "SELECT 1",
            "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
            "EXPLAIN SELECT 1",
            "SHOW TABLES",
            "VALUES (1)",
        ] {
            check(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    #[test]
    fn writes_are_refused_by_name() {
        for (sql, word) in [
            ("CREATE TABLE t (a INT)", "CREATE TABLE"),
            (
                "CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION '/etc'",
                "CREATE EXTERNAL TABLE",
            ),
            ("INSERT INTO runs VALUES (1)", "INSERT"),
            ("DELETE FROM runs", "DELETE"),
            ("COPY (SELECT 1) TO '/tmp/x.parquet'", "COPY"),
            ("DROP TABLE runs", "DROP TABLE"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
            ("EXPLAIN INSERT INTO runs VALUES (1)", "INSERT"),
            ("SELECT 1; SELECT 2", "exactly one"),
        ] {
            let err = check(sql).unwrap_err().to_string();
            assert!(err.contains(word), "{sql}: {err}");
        }
    }
}
