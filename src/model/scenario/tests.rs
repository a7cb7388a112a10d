use super::*;
use crate::model::diagnostic::Severity;

const KENT: &str = crate::DEFAULT_MODEL;

fn docs(scenario: Option<&str>, sets: &[&str]) -> (Vec<Doc>, Vec<SetIn>) {
    let mut docs = vec![Doc {
        label: "kent.toml".into(),
        text: KENT.into(),
    }];
    if let Some(s) = scenario {
        docs.push(Doc {
            label: "scenario.toml".into(),
            text: s.into(),
        });
    }
    let mut ins = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        ins.push(SetIn {
            doc: docs.len(),
            offset: 0,
            text: (*s).into(),
        });
        docs.push(Doc {
            label: format!("--set argument {}", i + 1),
            text: (*s).into(),
        });
    }
    (docs, ins)
}

fn apply_to_kent(scenario: Option<&str>, sets: &[&str]) -> Result<Effective, Located> {
    let (docs, ins) = docs(scenario, sets);
    apply(&docs, scenario.is_some(), &ins, &LoadOptions::default())
}

fn driver_mean(m: &Model, name: &str) -> f64 {
    m.drivers
        .iter()
        .find(|d| d.name == name)
        .unwrap()
        .dist
        .mean()
}

fn errors(l: &Located) -> Vec<(String, String, Option<std::ops::Range<usize>>)> {
    l.groups
        .iter()
        .flat_map(|(label, _, ds)| {
            ds.iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| (label.clone(), d.message.clone(), d.span.clone()))
        })
        .collect()
}

#[test]
fn a_model_alone_is_its_own_text() {
    let e = apply_to_kent(None, &[]).unwrap();
    assert_eq!(e.text, KENT);
    assert!(e.name.is_none());
}

#[test]
fn a_changed_parameter_moves_only_that_driver() {
    let base = apply_to_kent(None, &[]).unwrap().model;
    let s = "[scenario]\nname = \"Higher pay\"\nbase = \"kent.toml\"\n\n\
             [drivers.pay_award]\nmode = 0.05\nsource = \"assumption: test\"\n";
    let e = apply_to_kent(Some(s), &[]).unwrap();
    // PERT(0.025, 0.05, 0.065): mean (0.025 + 4·0.05 + 0.065)/6.
    assert!((driver_mean(&e.model, "pay_award") - 0.29 / 6.0).abs() < 1e-15);
    for d in &base.drivers {
        if d.name != "pay_award" {
            assert_eq!(driver_mean(&e.model, &d.name), d.dist.mean(), "{}", d.name);
        }
    }
    assert_eq!(e.model.meta.name, "Higher pay");
    assert!(e.text.contains("mode = 0.05"));
    // The base's comments are kept.
    assert!(e.text.contains("# Drivers: the uncertain quantities."));
}

#[test]
fn an_unknown_name_is_located_in_the_scenario_with_a_suggestion() {
    let s = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\n[drivers.pay_awrd]\nmode = 0.05\n";
    let l = apply_to_kent(Some(s), &[]).unwrap_err();
    let d = l.all().next().unwrap();
    assert!(d.message.contains("no `drivers.pay_awrd`"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("pay_award"));
    assert_eq!(l.groups[0].0, "scenario.toml");
    let at = d.span.clone().unwrap();
    assert_eq!(&s[at.start..at.start + 7], "[driver");
}

#[test]
fn an_invalid_change_is_reported_at_the_change_not_in_the_base() {
    // mode above max.
    let l = apply_to_kent(None, &["pay_award.mode=0.2"]).unwrap_err();
    let errs = errors(&l);
    assert!(!errs.is_empty());
    assert!(errs.iter().all(|e| e.0 == "--set argument 1"), "{errs:?}");
    let s = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\n[drivers.pay_award]\nmode = 0.2\nsource = \"a\"\n";
    let l = apply_to_kent(Some(s), &[]).unwrap_err();
    let errs = errors(&l);
    assert!(errs.iter().all(|e| e.0 == "scenario.toml"), "{errs:?}");
    let at = errs[0].2.clone().unwrap();
    assert!(s[at].contains("0.2"));
}

#[test]
fn a_fixed_driver_leaves_its_correlation_and_the_note_says_so() {
    let e = apply_to_kent(None, &["pay_award=0.04"]).unwrap();
    assert_eq!(driver_mean(&e.model, "pay_award"), 0.04);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("correlations.inflation") && n.contains("pay_award"))
    );
    assert!(e.text.contains("# correlations.inflation"));
}

#[test]
fn every_saving_at_one_rate_prunes_the_delivery_correlation() {
    let e = apply_to_kent(
        None,
        &[
            "savings.*.delivered=0.7",
            "savings.*.probability=1",
            "savings.*.slippage=0",
        ],
    )
    .unwrap();
    let n = e.model.savings.len();
    assert_eq!(e.text.matches("delivered = 0.7").count(), n);
    assert_eq!(e.text.matches("probability = 1\n").count(), n);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("correlations.savings_delivery") && n.contains("goes"))
    );
    assert!(!e.text.contains("[correlations.savings_delivery]"));
}

#[test]
fn arithmetic_is_exact_in_decimals() {
    let e = apply_to_kent(
        None,
        &[
            "lines.older_people.unit_cost*=1.1",
            "lines.pay.budget+=0.1",
            "lines.pay.base-=0.5",
        ],
    )
    .unwrap();
    assert!(e.text.contains("unit_cost = 739.2"), "{}", &e.text[..0]);
    assert!(e.text.contains("budget = 362.35"));
    assert!(e.text.contains("base = 349.5"));
    // A field naming a driver cannot be scaled: the driver is changed instead.
    let l = apply_to_kent(None, &["lines.pay.growth*=2"]).unwrap_err();
    assert!(
        l.all()
            .next()
            .unwrap()
            .message
            .contains("names the driver `pay_award`")
    );
}

#[test]
fn additions_and_removals() {
    let s = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\nremove = [\"savings.policy_savings\", \"mitigation.*\"]\n\n\
             [add.savings.new_one]\nlabel = \"New\"\namount = 2.5\nrecurring = true\nsource = \"assumption\"\n";
    let e = apply_to_kent(Some(s), &[]).unwrap();
    let names: Vec<&str> = e.model.savings.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"new_one") && !names.contains(&"policy_savings"));
    assert!(e.model.mitigations.is_empty());
    // The removed saving's inline driver leaves the delivery correlation.
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("savings.policy_savings.delivered"))
    );
    // Adding what exists is refused.
    let s2 = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\n[add.savings.policy_savings]\namount = 1\nrecurring = true\nsource = \"a\"\n";
    let l = apply_to_kent(Some(s2), &[]).unwrap_err();
    assert!(
        l.all()
            .next()
            .unwrap()
            .message
            .contains("already in the base")
    );
    // A bad field in an added item is located in the scenario.
    let s3 = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\n[add.savings.z]\namount = -1\nrecurring = true\nsource = \"a\"\n";
    let l = apply_to_kent(Some(s3), &[]).unwrap_err();
    let errs = errors(&l);
    assert!(errs.iter().all(|e| e.0 == "scenario.toml"), "{errs:?}");
    assert!(s3[errs[0].2.clone().unwrap()].contains("-1"));
}

#[test]
fn a_header_needs_a_name_and_a_base() {
    assert!(header("[meta]\nname = \"x\"\n").unwrap().is_none());
    let e = header("[scenario]\nname = \"x\"\nbse = \"y\"\n").unwrap_err();
    assert_eq!(e.len(), 2);
    let h = header("[scenario]\nname = \"x\"\nbase = \"../k.toml\"\n")
        .unwrap()
        .unwrap();
    assert_eq!((h.name.as_str(), h.base.as_str()), ("x", "../k.toml"));
}

#[test]
fn a_changed_figure_without_a_source_is_warned() {
    let s = "[scenario]\nname = \"x\"\nbase = \"kent.toml\"\n[drivers.pay_award]\nmode = 0.05\n";
    let e = apply_to_kent(Some(s), &[]).unwrap();
    assert!(
        e.warnings
            .all()
            .any(|d| d.message.contains("keeps the base's source"))
    );
}

#[test]
fn stress_cases_are_read_with_their_places() {
    let text = "[meta]\nname = \"x\"\n[stress.hot]\nlabel = \"Hot\"\nset = [\"pay_award+=0.03\", \"a=1\"]\n";
    let cases = stress_cases(text).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].sets[0].0, "pay_award+=0.03");
    let at = cases[0].sets[0].1;
    assert_eq!(&text[at..at + 9], "pay_award");
    assert!(stress_cases("[stress.x]\nset = []\n").is_err());
}

#[test]
fn shifts_and_scales_move_a_driver_exactly() {
    let base = apply_to_kent(None, &[]).unwrap().model;
    let e = apply_to_kent(
        None,
        &[
            "pay_award+=0.03",
            "contract_inflation*=1.5",
            "contract_inflation+=0.01",
        ],
    )
    .unwrap();
    let m = |model: &Model, n: &str| driver_mean(model, n);
    assert!((m(&e.model, "pay_award") - m(&base, "pay_award") - 0.03).abs() < 1e-15);
    assert!(
        (m(&e.model, "contract_inflation") - (1.5 * m(&base, "contract_inflation") + 0.01)).abs()
            < 1e-15
    );
    // A comment after a changed figure stays.
    let e = apply_to_kent(None, &["lines.older_people.unit_cost*=1.1"]).unwrap();
    assert!(e.text.contains("unit_cost = 739.2          # £ a week"));
}

fn apply_texts(base: &str, scenario: &str) -> Result<Effective, Located> {
    let docs = [
        Doc {
            label: "base.toml".into(),
            text: base.into(),
        },
        Doc {
            label: "s.toml".into(),
            text: scenario.into(),
        },
    ];
    apply(&docs, true, &[], &LoadOptions::default())
}

#[test]
fn a_base_with_inline_sections_takes_additions_without_a_panic() {
    let without = &KENT[..KENT.find("[stress.").unwrap()];
    let base =
        format!("stress = {{ s1 = {{ label = \"S1\", set = [\"pay_award+=0.01\"] }} }}\n{without}");
    let s = "[scenario]\nname = \"x\"\nbase = \"b\"\n[stress.s2]\nlabel = \"S2\"\nset = [\"pay_award+=0.02\"]\n";
    let e = apply_texts(&base, s).unwrap();
    let cases = stress_cases(&e.text).unwrap();
    assert_eq!(
        cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["s1", "s2"]
    );
}

#[test]
fn a_removed_driver_still_in_use_is_refused_at_its_removal() {
    let s = "[scenario]\nname = \"x\"\nbase = \"b\"\nremove = [\"drivers.pay_award\"]\n";
    let l = apply_texts(KENT, s).unwrap_err();
    let errs = errors(&l);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "s.toml");
    assert!(errs[0].1.contains("lines.pay.growth"), "{}", errs[0].1);
    assert_eq!(&s[errs[0].2.clone().unwrap()], "\"drivers.pay_award\"");
}

#[test]
fn problems_with_the_scenarios_name_are_located_at_it_and_the_header_comment_stays_valid() {
    let s = "[scenario]\nname = \"\"\nbase = \"b\"\n";
    let l = apply_texts(KENT, s).unwrap_err();
    let errs = errors(&l);
    assert_eq!(errs[0].0, "s.toml", "{errs:?}");
    assert_eq!(&s[errs[0].2.clone().unwrap()], "\"\"");
    // A carriage return in the name cannot break the effective model's first comment.
    let s = "[scenario]\nname = \"a\\rb\"\nbase = \"b\"\n";
    match apply_texts(KENT, s) {
        Ok(e) => assert!(!e.text.lines().next().unwrap().contains('\r')),
        Err(l) => assert!(
            errors(&l).iter().all(|e| e.0 == "s.toml"),
            "{:?}",
            errors(&l)
        ),
    }
}

#[test]
fn a_change_to_every_item_that_fails_in_each_is_said_once() {
    let l = apply_to_kent(None, &["drivers.*.shfit=1"]).unwrap_err();
    let errs = errors(&l);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let n = apply_to_kent(None, &[])
        .unwrap()
        .model
        .drivers
        .iter()
        .filter(|d| d.origin == crate::model::DriverOrigin::Declared)
        .count();
    assert!(
        errs[0]
            .1
            .ends_with(&format!("(and {} more items like it)", n - 1)),
        "{}",
        errs[0].1
    );
    let l = apply_to_kent(None, &["savings.*=1"]).unwrap_err();
    assert_eq!(errors(&l).len(), 1);
}
