//! Any bytes as a workbook (`lines.xlsx#Lines`) and as a CSV sheet (`lines.csv`) of a
//! model's spending lines: reading and writing them out never panic; a refused sheet has
//! an error and every diagnostic points inside the text it is shown against; a model
//! written out either checks or has its problems, moved back by `Expanded::relocate`,
//! inside the model file or at a sheet's row.
#![no_main]

use gapsim::model::sheets::{self, Kind, Located, SheetFile};
use gapsim::model::{Model, Severity, diagnostic};
use libfuzzer_sys::fuzz_target;

const MODEL: &str = "[meta]\nname = \"f\"\ncouncil = \"f\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
    net_budget = 100\n\n[drivers.g]\ndist = \"normal\"\nmean = 0.02\nsd = 0.01\nsource = \"a\"\n\n\
    [lines]\nfrom = \"FROM\"\n\n[reserves.general_fund]\nkind = \"general_fund\"\namount = 5\n\
    source = \"a\"\n";

fn inside(located: &Located) {
    for (label, text, diags) in &located.groups {
        for d in diags {
            if let Some(s) = &d.span {
                assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
            }
        }
        let _ = diagnostic::render(label, text, diags);
    }
}

fuzz_target!(|data: &[u8]| {
    for (file, from) in [("lines.xlsx", "lines.xlsx#Lines"), ("lines.csv", "lines.csv")] {
        let text = MODEL.replace("FROM", from);
        let files = [SheetFile {
            file: file.into(),
            label: file.into(),
            bytes: data.to_vec(),
        }];
        match sheets::expand("m.toml", &text, Kind::Model, &files) {
            Err(located) => {
                assert!(located.all().any(|d| d.severity == Severity::Error));
                inside(&located);
            }
            Ok(e) => {
                if let Err(err) = Model::from_toml("m.toml", &e.text) {
                    inside(&e.relocate(&err.diagnostics));
                }
            }
        }
    }
});
