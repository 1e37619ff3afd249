//! Behaviour policies compiled over the built-in and named rule files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use warden_agent::{ActivePolicies, AgentConfig, PolicyError};
use warden_events::Event;

/// An exec of `exepath` by root, on the host (`container: None`) or in a container.
fn exec(exepath: &str, parent: &str, container: bool) -> Event {
    let name = Path::new(exepath).file_name().unwrap().to_str().unwrap();
    let container = if container {
        r#","container":{"id":"0123456789ab","full_id":"0123456789abcdef","runtime":"docker","name":"web","image":"docker.io/library/nginx:1.27"}"#
    } else {
        ""
    };
    let line = format!(
        r#"{{"schema":"warden.event/v1","seq":1,"time":1763900000000000000,"syscall":"execve","res":0,"detail":{{"exec":{{"filename":"{exepath}","flags":0}}}},"process":{{"pid":4242,"tid":4242,"ppid":4000,"vpid":17,"uid":0,"gid":0,"euid":0,"egid":0,"user":"root","group":"root","comm":"{name}","exe":"{name}","exepath":"{exepath}","args":["install","-y","curl"],"cwd":"/","tty":0,"cap_effective":0,"cap_permitted":0,"cap_inheritable":0,"cgroup_id":1,"cgroup":"/system.slice","mntns":1,"pidns":1,"start_time":1763899940000000000,"exec_id":77,"exe_flags":{{}},"exe_dev":1,"exe_ino":2,"exe_ctime":1700000000000000000,"exe_mtime":1700000000000000000,"sid":1,"sname":"sh","ancestors":[{{"pid":4000,"comm":"{parent}","exe":"{parent}","exepath":"/usr/bin/{parent}","args":[],"uid":0,"exec_id":70}}]}}{container}}}"#
    );
    Event::from_json_line(&line).unwrap()
}

/// The (policy id, rule) pairs `event` matches.
fn matches(active: &ActivePolicies, event: &Event) -> Vec<(String, String)> {
    let mut found = Vec::new();
    active.evaluate(event, |rule, policy| {
        found.push((policy.id.clone(), rule.name.clone()));
    });
    found
}

fn load(
    dir: &Path,
    policies: &str,
    extra_rules: Option<&str>,
) -> Result<ActivePolicies, PolicyError> {
    std::fs::write(dir.join("policies.yaml"), policies).unwrap();
    let mut config = format!("policies: [policies.yaml]\nstate_dir: {}\n", dir.display());
    if let Some(rules) = extra_rules {
        std::fs::write(dir.join("extra.yaml"), rules).unwrap();
        config.push_str("rules: [extra.yaml]\n");
    }
    let config = AgentConfig::parse(&dir.join("warden.yaml"), &config).unwrap();
    ActivePolicies::load(&config, "test-host")
}

#[test]
fn the_built_in_policies_turn_on_every_built_in_rule() {
    let active = ActivePolicies::load(&AgentConfig::default(), "test-host").unwrap();
    assert_eq!(active.policies.len(), 17);
    assert_eq!(active.active_rule_count(), active.rules.rules().len());
    assert!(
        active
            .policies
            .iter()
            .all(|p| p.mode == warden_violations::Mode::Audit)
    );

    let in_container = exec("/usr/bin/apt-get", "bash", true);
    assert_eq!(
        matches(&active, &in_container),
        [(
            "WARDEN-001".to_owned(),
            "Package manager executed in container".to_owned()
        )]
    );
    assert!(matches(&active, &exec("/usr/bin/apt-get", "bash", false)).is_empty());
    let shell_from_nginx = exec("/usr/bin/sh", "nginx", false);
    assert_eq!(matches(&active, &shell_from_nginx)[0].0, "WARDEN-002");
}

#[test]
fn policies_select_rules_by_name_tag_file_and_inline_condition() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "- rule: Curl ran\n  desc: d\n  condition: evt.type = execve and proc.name = curl\n  output: curl ran (%proc.cmdline)\n  priority: NOTICE\n  tags: [tools]\n- rule: Wget ran\n  desc: d\n  condition: evt.type = execve and proc.name = wget\n  output: wget ran\n  priority: NOTICE\n";
    let policies = r#"Policies:
  - id: BY-NAME
    type: behaviour
    _behaviour: {rules: {names: [Curl ran]}}
  - id: BY-TAG
    type: behaviour
    _behaviour: {rules: {tags: [tools]}}
  - id: BY-FILE
    type: behaviour
    _behaviour: {rules: {files: [extra.yaml]}}
  - id: INLINE
    type: behaviour
    _behaviour:
      rules:
        condition: warden_spawned and proc.name = wget and proc.pname = bash
        output: wget from a shell (%proc.cmdline)
      severity: critical
"#;
    let active = load(dir.path(), policies, Some(extra)).unwrap();
    let curl = matches(&active, &exec("/usr/bin/curl", "bash", false));
    let ids: Vec<&str> = curl.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["BY-NAME", "BY-TAG", "BY-FILE"]);
    let wget = matches(&active, &exec("/usr/bin/wget", "bash", false));
    assert_eq!(
        wget,
        [
            ("BY-FILE".to_owned(), "Wget ran".to_owned()),
            ("INLINE".to_owned(), "policy INLINE".to_owned())
        ]
    );
    let inline = active
        .rules
        .rules()
        .iter()
        .find(|r| r.name == "policy INLINE")
        .unwrap();
    assert_eq!(inline.priority.name(), "Critical");
    // The built-in rules are loaded but no policy here turned them on.
    assert!(matches(&active, &exec("/usr/bin/apt-get", "bash", true)).is_empty());
}

#[test]
fn mistakes_name_the_policy_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(
        dir.path(),
        "Policies:\n  - id: P\n    type: behaviour\n    _behaviour: {rules: {names: [No such rule]}}\n",
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("policies.yaml:2:5: policy \"P\" selects rule \"No such rule\", which no loaded rule file defines"),
        "{err}"
    );

    let err = load(
        dir.path(),
        "Policies:\n  - id: P\n    type: behaviour\n    _behaviour:\n      rules:\n        condition: proc.name = = sh\n        output: x\n",
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("policies.yaml:6:20: policy \"P\": the condition does not compile"),
        "{err}"
    );

    let err = load(
        dir.path(),
        "Policies:\n  - id: P\n    type: behaviour\n    _behaviour: {rules: {names: [x]}}\n",
        Some("- rule: x\n  desc: d\n  condition: proc.nam = a\n  output: o\n  priority: INFO\n"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("extra.yaml:3:"), "{err}");
}
