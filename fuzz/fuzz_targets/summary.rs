//! Any bytes as a run's `summary.json` beside the built-in Kent model, read as `gapsim
//! report` reads it: parsing and the audit never panic, and a summary the audit passes
//! renders the terminal summary, the committee report (HTML and Markdown) and every chart
//! without a panic (the charts and reports assume what the audit checks).
#![no_main]

use std::sync::OnceLock;

use gapsim::audit;
use gapsim::model::Model;
use gapsim::report::date::Date;
use gapsim::report::{document, html, json, markdown, terminal};
use libfuzzer_sys::fuzz_target;

fn kent() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::from_toml(gapsim::DEFAULT_MODEL_FILE, gapsim::DEFAULT_MODEL)
            .expect("the built-in model loads")
            .model
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(summary) = json::parse(data) else {
        return;
    };
    let model = kent();
    if !audit::summary(&summary, model).is_empty() {
        return;
    }
    let date = Date::from_unix_seconds(1_700_000_000);
    let _ = terminal::render(&summary);
    let blocks = document::build(&summary, model, &date);
    let charts = gapsim::chart::render_all(&summary).expect("an audited summary draws");
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    let _ = html::render("fuzz", &date, &blocks, &charts);
    let _ = markdown::render(&blocks, &names);
});
