//! Where an account is still stored: every column of every table of a running server's
//! database (tables and columns read from the schema, not listed by hand), searched for
//! given strings — ids, names — as text or as bytes.

use crate::hostile::{text, ServerDb};

/// One place a needle was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// What was found.
    pub needle: String,
    /// How many rows contain it.
    pub rows: u64,
}

impl ServerDb {
    /// Every table of the server's database.
    pub fn tables(&self) -> Vec<String> {
        let sql = match self {
            ServerDb::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            }
            ServerDb::Postgres(_) => {
                "SELECT table_name FROM information_schema.tables
                 WHERE table_schema = 'public' ORDER BY table_name"
            }
        };
        self.query(sql)
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect()
    }

    /// `(column, type)` of every column of `table`.
    fn columns(&self, table: &str) -> Vec<(String, String)> {
        let rows = match self {
            ServerDb::Sqlite(_) => self.query(&format!(
                "SELECT name, type FROM pragma_table_info({})",
                text(table)
            )),
            ServerDb::Postgres(_) => self.query(&format!(
                "SELECT column_name, data_type FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = {}",
                text(table)
            )),
        };
        rows.into_iter()
            .filter_map(|r| Some((r.first()?.clone(), r.get(1)?.clone())))
            .collect()
    }

    /// Every `(table, column)` holding one of `needles` (as text, or as its UTF-8 bytes in a
    /// binary column), with the number of rows. One query per column.
    pub fn scan(&self, needles: &[&str]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for table in self.tables() {
            for (column, kind) in self.columns(&table) {
                let found = |needle: &str| match self {
                    ServerDb::Sqlite(_) => format!(
                        "instr(CAST(\"{column}\" AS BLOB), CAST({} AS BLOB)) > 0",
                        text(needle)
                    ),
                    ServerDb::Postgres(_) if kind == "bytea" => format!(
                        "position(convert_to({}, 'UTF8') in \"{column}\") > 0",
                        text(needle)
                    ),
                    ServerDb::Postgres(_) => {
                        format!("strpos(\"{column}\"::text, {}) > 0", text(needle))
                    }
                };
                let sums: Vec<String> = needles
                    .iter()
                    .map(|n| format!("coalesce(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0)", found(n)))
                    .collect();
                let sql = format!("SELECT {} FROM \"{table}\"", sums.join(", "));
                let counts = self.query(&sql).into_iter().next().unwrap_or_default();
                assert_eq!(counts.len(), needles.len(), "{sql}");
                for (needle, count) in needles.iter().zip(counts) {
                    let rows: u64 = count
                        .parse()
                        .unwrap_or_else(|_| panic!("not a count: {count} from {sql}"));
                    if rows > 0 {
                        hits.push(Hit {
                            table: table.clone(),
                            column: column.clone(),
                            needle: (*needle).to_owned(),
                            rows,
                        });
                    }
                }
            }
        }
        hits
    }
}
