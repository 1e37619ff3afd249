//! The function table: Go's builtins, the Sprig functions goss exposes
//! (`sprig.TxtFuncMap()`), and goss's own functions, which win on name clashes.
//!
//! Every function declares its Go parameter types because Go checks arguments
//! against them before the call, and templates observe the result (`repeat (add 1
//! 2) "x"` fails with `wrong type for value; expected int; got int64`). A body
//! returns `Err(message)` for what Go reports as an error or a recovered panic;
//! the executor wraps it as `error calling NAME: message`.

mod builtins;
mod convert;
mod crypto;
mod dates;
mod defaults;
mod dicts;
mod encoding;
mod goss;
mod lists;
mod math;
mod network;
mod paths;
mod random;
mod regexes;
pub(crate) mod semver;
mod strings;

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::gotime::{self, Loc};
use crate::value::{MapRef, Val};
use crate::{Host, Limits};

/// A Go parameter type, as far as argument checking needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `interface{}`.
    Any,
    /// `reflect.Value`: what the builtins take; accepts anything, including nil.
    Reflect,
    Str,
    Int,
    Float,
    Bool,
    /// `map[string]interface{}`.
    Map,
    /// `*semver.Version`.
    Version,
    /// `time.Time`.
    Time,
    /// Sprig's `certificate` struct.
    Cert,
    /// `[]interface{}`.
    List,
    /// `uint32` (`derivePassword`'s counter).
    Uint32,
}

impl Ty {
    pub(crate) fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::Reflect => "reflect.Value",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::Map => "map[string]interface {}",
            Ty::Version => "*semver.Version",
            Ty::Time => "time.Time",
            Ty::Cert => "sprig.certificate",
            Ty::List => "[]interface {}",
            Ty::Uint32 => "uint32",
        }
    }

    /// Whether Go lets an untyped nil stand for this type.
    pub(crate) fn nillable(self) -> bool {
        matches!(
            self,
            Ty::Any | Ty::Reflect | Ty::Map | Ty::Version | Ty::List
        )
    }
}

pub(crate) type FuncResult = Result<Val, String>;
pub(crate) type Impl = fn(&mut Ctx<'_>, Vec<Val>) -> FuncResult;

/// How the executor runs a function.
#[derive(Clone, Copy)]
pub(crate) enum Body {
    Call(Impl),
    /// `and` / `or`: arguments are evaluated lazily and the deciding one returned.
    ShortCircuit {
        stop_when: bool,
    },
    /// The `call` builtin; templates here can hold no function values, so it can only fail.
    CallBuiltin,
}

#[derive(Clone, Copy)]
pub(crate) struct Func {
    pub(crate) params: &'static [Ty],
    pub(crate) variadic: Option<Ty>,
    pub(crate) body: Body,
}

const fn func(params: &'static [Ty], variadic: Option<Ty>, imp: Impl) -> Func {
    Func {
        params,
        variadic,
        body: Body::Call(imp),
    }
}

/// What functions can reach besides their arguments.
pub(crate) struct Ctx<'a> {
    pub(crate) host: &'a dyn Host,
    pub(crate) limits: &'a Limits,
    regexes: HashMap<String, Regex>,
    /// Maps changed in place by `set`/`merge`; emptied after rendering so that
    /// reference cycles built through them are freed.
    mutated: Vec<MapRef>,
    /// Work charged by expensive functions (key generation, hashing, lookups), in
    /// steps; it counts against `Limits::max_steps` with the executor's steps.
    pub(crate) charged: u64,
    /// `time.Local` for this render, read once from the host's `TZ`.
    local: Option<Loc>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(host: &'a dyn Host, limits: &'a Limits) -> Self {
        Ctx {
            host,
            limits,
            regexes: HashMap::new(),
            mutated: Vec::new(),
            charged: 0,
            local: None,
        }
    }

    /// Charges `steps` of work, failing once the render's step budget is spent.
    pub(crate) fn charge(&mut self, steps: u64) -> Result<(), String> {
        self.charged = self.charged.saturating_add(steps);
        if self.charged > self.limits.max_steps {
            return Err(format!(
                "template execution exceeded the limit of {} steps",
                self.limits.max_steps
            ));
        }
        Ok(())
    }

    /// Go's `time.Local` as the host's `TZ` variable defines it.
    pub(crate) fn local_location(&mut self) -> Loc {
        if let Some(local) = &self.local {
            return local.clone();
        }
        let local = gotime::local_location(self.host.env("TZ"));
        self.local = Some(local.clone());
        local
    }

    /// Go's `time.LoadLocation`.
    pub(crate) fn load_location(&mut self, name: &str) -> Result<Loc, String> {
        if name == "Local" {
            return Ok(self.local_location());
        }
        gotime::load_location(name, || Loc::Utc)
    }

    /// Compiles (once per render) a pattern with Go's RE2 semantics.
    pub(crate) fn regex(&mut self, pattern: &str) -> Result<Regex, String> {
        if let Some(re) = self.regexes.get(pattern) {
            return Ok(re.clone());
        }
        let re = regexes::compile(pattern)?;
        self.regexes.insert(pattern.to_owned(), re.clone());
        Ok(re)
    }

    /// Refuses strings longer than the output limit before they are built.
    pub(crate) fn check_size(&self, bytes: usize) -> Result<(), String> {
        if bytes > self.limits.max_output_bytes {
            return Err(format!(
                "result of {bytes} bytes exceeds the limit of {} bytes",
                self.limits.max_output_bytes
            ));
        }
        Ok(())
    }

    pub(crate) fn check_list_len(&self, len: usize) -> Result<(), String> {
        if len > self.limits.max_list_len {
            return Err(format!(
                "list of {len} elements exceeds the limit of {} elements",
                self.limits.max_list_len
            ));
        }
        Ok(())
    }

    pub(crate) fn record_mutation(&mut self, map: &MapRef) {
        if !self.mutated.iter().any(|m| m.same(map)) {
            self.mutated.push(map.clone());
        }
    }

    pub(crate) fn release(self) {
        for map in &self.mutated {
            map.clear();
        }
    }
}

/// The message of Go's runtime panic for a nil dereference, which Sprig's list
/// functions hit (and templates report) when given nil.
pub(crate) const NIL_DEREFERENCE: &str =
    "runtime error: invalid memory address or nil pointer dereference";

pub(crate) fn arg(args: &[Val], i: usize) -> Val {
    args.get(i).cloned().unwrap_or(Val::Nil)
}

pub(crate) fn str_arg(args: &[Val], i: usize) -> &str {
    args.get(i).and_then(Val::as_str).unwrap_or("")
}

pub(crate) fn int_arg(args: &[Val], i: usize) -> i64 {
    match args.get(i) {
        Some(Val::Int(n) | Val::Int64(n)) => *n,
        _ => 0,
    }
}

pub(crate) fn float_arg(args: &[Val], i: usize) -> f64 {
    match args.get(i) {
        Some(Val::Float(x)) => *x,
        _ => 0.0,
    }
}

pub(crate) fn bool_arg(args: &[Val], i: usize) -> bool {
    matches!(args.get(i), Some(Val::Bool(true)))
}

pub(crate) fn map_arg(args: &[Val], i: usize) -> Option<MapRef> {
    match args.get(i) {
        Some(Val::Map(m)) => Some(m.clone()),
        _ => None,
    }
}

use Ty::{
    Any, Bool as B, Cert as C, Float as F, Int as I, List as L, Map as M, Reflect as R, Str as S,
    Time as T, Uint32 as U32,
};

fn table() -> HashMap<&'static str, Func> {
    let entries: Vec<(&'static str, Func)> = vec![
        // Go's builtins. `slice` is Sprig's (below): goss's function map replaces it.
        (
            "and",
            Func {
                params: &[R],
                variadic: Some(R),
                body: Body::ShortCircuit { stop_when: false },
            },
        ),
        (
            "or",
            Func {
                params: &[R],
                variadic: Some(R),
                body: Body::ShortCircuit { stop_when: true },
            },
        ),
        (
            "call",
            Func {
                params: &[R],
                variadic: Some(R),
                body: Body::CallBuiltin,
            },
        ),
        ("not", func(&[R], None, builtins::not)),
        ("len", func(&[R], None, builtins::len)),
        ("index", func(&[R], Some(R), builtins::index)),
        ("print", func(&[], Some(Any), builtins::print)),
        ("printf", func(&[S], Some(Any), builtins::printf)),
        ("println", func(&[], Some(Any), builtins::println)),
        ("html", func(&[], Some(Any), builtins::html)),
        ("js", func(&[], Some(Any), builtins::js)),
        ("urlquery", func(&[], Some(Any), builtins::urlquery)),
        ("eq", func(&[R], Some(R), builtins::eq)),
        ("ne", func(&[R, R], None, builtins::ne)),
        ("lt", func(&[R, R], None, builtins::lt)),
        ("le", func(&[R, R], None, builtins::le)),
        ("gt", func(&[R, R], None, builtins::gt)),
        ("ge", func(&[R, R], None, builtins::ge)),
        // Sprig strings: the bulk of what gossfiles use to shape values.
        ("hello", func(&[], None, strings::hello)),
        ("trim", func(&[S], None, strings::trim)),
        ("trimAll", func(&[S, S], None, strings::trim_all)),
        ("trimall", func(&[S, S], None, strings::trim_all)),
        ("trimPrefix", func(&[S, S], None, strings::trim_prefix)),
        ("trimSuffix", func(&[S, S], None, strings::trim_suffix)),
        ("upper", func(&[S], None, strings::upper)),
        ("lower", func(&[S], None, strings::lower)),
        ("title", func(&[S], None, strings::title)),
        ("untitle", func(&[S], None, strings::untitle)),
        ("repeat", func(&[I, S], None, strings::repeat)),
        ("substr", func(&[I, I, S], None, strings::substr)),
        ("nospace", func(&[S], None, strings::nospace)),
        ("trunc", func(&[I, S], None, strings::trunc)),
        ("abbrev", func(&[I, S], None, strings::abbrev)),
        ("abbrevboth", func(&[I, I, S], None, strings::abbrevboth)),
        ("initials", func(&[S], None, strings::initials)),
        ("contains", func(&[S, S], None, strings::contains)),
        ("hasPrefix", func(&[S, S], None, strings::has_prefix)),
        ("hasSuffix", func(&[S, S], None, strings::has_suffix)),
        ("quote", func(&[], Some(Any), strings::quote)),
        ("squote", func(&[], Some(Any), strings::squote)),
        ("cat", func(&[], Some(Any), strings::cat)),
        ("indent", func(&[I, S], None, strings::indent)),
        ("nindent", func(&[I, S], None, strings::nindent)),
        ("replace", func(&[S, S, S], None, strings::replace)),
        ("plural", func(&[S, S, I], None, strings::plural)),
        ("snakecase", func(&[S], None, strings::snakecase)),
        ("camelcase", func(&[S], None, strings::camelcase)),
        ("kebabcase", func(&[S], None, strings::kebabcase)),
        ("swapcase", func(&[S], None, strings::swapcase)),
        ("wrap", func(&[I, S], None, strings::wrap)),
        ("wrapWith", func(&[I, S, S], None, strings::wrap_with)),
        ("split", func(&[S, S], None, strings::split)),
        ("splitList", func(&[S, S], None, strings::split_list)),
        ("splitn", func(&[S, I, S], None, strings::splitn)),
        ("join", func(&[S, Any], None, strings::join)),
        ("sortAlpha", func(&[Any], None, strings::sort_alpha)),
        ("seq", func(&[], Some(I), strings::seq)),
        // Sprig regular expressions (RE2 syntax, as Go's regexp).
        (
            "mustRegexMatch",
            func(&[S, S], None, regexes::must_regex_match),
        ),
        ("regexFind", func(&[S, S], None, regexes::regex_find)),
        ("mustRegexFind", func(&[S, S], None, regexes::regex_find)),
        (
            "regexFindAll",
            func(&[S, S, I], None, regexes::regex_find_all),
        ),
        (
            "mustRegexFindAll",
            func(&[S, S, I], None, regexes::regex_find_all),
        ),
        (
            "regexReplaceAll",
            func(&[S, S, S], None, regexes::regex_replace_all),
        ),
        (
            "mustRegexReplaceAll",
            func(&[S, S, S], None, regexes::regex_replace_all),
        ),
        (
            "regexReplaceAllLiteral",
            func(&[S, S, S], None, regexes::regex_replace_all_literal),
        ),
        (
            "mustRegexReplaceAllLiteral",
            func(&[S, S, S], None, regexes::regex_replace_all_literal),
        ),
        ("regexSplit", func(&[S, S, I], None, regexes::regex_split)),
        (
            "mustRegexSplit",
            func(&[S, S, I], None, regexes::regex_split),
        ),
        (
            "regexQuoteMeta",
            func(&[S], None, regexes::regex_quote_meta),
        ),
        // Sprig defaults and type inspection: choosing values when vars are optional.
        ("default", func(&[Any], Some(Any), defaults::default)),
        ("empty", func(&[Any], None, defaults::empty)),
        ("coalesce", func(&[], Some(Any), defaults::coalesce)),
        ("all", func(&[], Some(Any), defaults::all)),
        ("any", func(&[], Some(Any), defaults::any)),
        ("ternary", func(&[Any, Any, B], None, defaults::ternary)),
        ("fail", func(&[S], None, defaults::fail)),
        ("typeOf", func(&[Any], None, defaults::type_of)),
        ("kindOf", func(&[Any], None, defaults::kind_of)),
        ("typeIs", func(&[S, Any], None, defaults::type_is)),
        ("typeIsLike", func(&[S, Any], None, defaults::type_is_like)),
        ("kindIs", func(&[S, Any], None, defaults::kind_is)),
        (
            "deepEqual",
            func(&[Any, Any], None, defaults::deep_equal_fn),
        ),
        // Sprig conversions (spf13/cast rules: bad input becomes 0).
        ("toString", func(&[Any], None, convert::to_string)),
        ("toStrings", func(&[Any], None, convert::to_strings)),
        ("atoi", func(&[S], None, convert::atoi)),
        ("int", func(&[Any], None, convert::int)),
        ("int64", func(&[Any], None, convert::int64)),
        ("float64", func(&[Any], None, convert::float64)),
        ("toDecimal", func(&[Any], None, convert::to_decimal)),
        // Sprig math: int64 arithmetic, and float arithmetic through decimals.
        ("add", func(&[], Some(Any), math::add)),
        ("add1", func(&[Any], None, math::add1)),
        ("sub", func(&[Any, Any], None, math::sub)),
        ("div", func(&[Any, Any], None, math::div)),
        ("mod", func(&[Any, Any], None, math::modulo)),
        ("mul", func(&[Any], Some(Any), math::mul)),
        ("max", func(&[Any], Some(Any), math::max)),
        ("biggest", func(&[Any], Some(Any), math::max)),
        ("min", func(&[Any], Some(Any), math::min)),
        ("maxf", func(&[Any], Some(Any), math::maxf)),
        ("minf", func(&[Any], Some(Any), math::minf)),
        ("floor", func(&[Any], None, math::floor)),
        ("ceil", func(&[Any], None, math::ceil)),
        ("round", func(&[Any, I], Some(F), math::round)),
        ("addf", func(&[], Some(Any), math::addf)),
        ("add1f", func(&[Any], None, math::add1f)),
        ("subf", func(&[Any], Some(Any), math::subf)),
        ("mulf", func(&[Any], Some(Any), math::mulf)),
        ("divf", func(&[Any], Some(Any), math::divf)),
        ("until", func(&[I], None, math::until)),
        ("untilStep", func(&[I, I, I], None, math::until_step)),
        // Sprig lists.
        ("list", func(&[], Some(Any), lists::list)),
        ("tuple", func(&[], Some(Any), lists::list)),
        ("append", func(&[Any, Any], None, lists::append)),
        ("push", func(&[Any, Any], None, lists::append)),
        ("mustAppend", func(&[Any, Any], None, lists::append)),
        ("mustPush", func(&[Any, Any], None, lists::append)),
        ("prepend", func(&[Any, Any], None, lists::prepend)),
        ("mustPrepend", func(&[Any, Any], None, lists::prepend)),
        ("first", func(&[Any], None, lists::first)),
        ("mustFirst", func(&[Any], None, lists::first)),
        ("last", func(&[Any], None, lists::last)),
        ("mustLast", func(&[Any], None, lists::last)),
        ("rest", func(&[Any], None, lists::rest)),
        ("mustRest", func(&[Any], None, lists::rest)),
        ("initial", func(&[Any], None, lists::initial)),
        ("mustInitial", func(&[Any], None, lists::initial)),
        ("reverse", func(&[Any], None, lists::reverse)),
        ("mustReverse", func(&[Any], None, lists::reverse)),
        ("uniq", func(&[Any], None, lists::uniq)),
        ("mustUniq", func(&[Any], None, lists::uniq)),
        ("without", func(&[Any], Some(Any), lists::without)),
        ("mustWithout", func(&[Any], Some(Any), lists::without)),
        ("has", func(&[Any, Any], None, lists::has)),
        ("mustHas", func(&[Any, Any], None, lists::has)),
        ("compact", func(&[Any], None, lists::compact)),
        ("mustCompact", func(&[Any], None, lists::compact)),
        ("slice", func(&[Any], Some(Any), lists::slice)),
        ("mustSlice", func(&[Any], Some(Any), lists::slice)),
        ("concat", func(&[], Some(Any), lists::concat)),
        ("chunk", func(&[I, Any], None, lists::chunk)),
        ("mustChunk", func(&[I, Any], None, lists::chunk)),
        // Sprig dictionaries.
        ("dict", func(&[], Some(Any), dicts::dict)),
        ("get", func(&[M, S], None, dicts::get)),
        ("set", func(&[M, S, Any], None, dicts::set)),
        ("unset", func(&[M, S], None, dicts::unset)),
        ("hasKey", func(&[M, S], None, dicts::has_key)),
        ("pluck", func(&[S], Some(M), dicts::pluck)),
        ("keys", func(&[], Some(M), dicts::keys)),
        ("values", func(&[M], None, dicts::values)),
        ("pick", func(&[M], Some(S), dicts::pick)),
        ("omit", func(&[M], Some(S), dicts::omit)),
        ("merge", func(&[M], Some(M), dicts::merge)),
        ("mustMerge", func(&[M], Some(M), dicts::merge)),
        (
            "mergeOverwrite",
            func(&[M], Some(M), dicts::merge_overwrite),
        ),
        (
            "mustMergeOverwrite",
            func(&[M], Some(M), dicts::merge_overwrite),
        ),
        ("dig", func(&[], Some(Any), dicts::dig)),
        ("deepCopy", func(&[Any], None, dicts::deep_copy)),
        ("mustDeepCopy", func(&[Any], None, dicts::deep_copy)),
        // Sprig encodings and hashes.
        ("b64enc", func(&[S], None, encoding::b64enc)),
        ("b64dec", func(&[S], None, encoding::b64dec)),
        ("b32enc", func(&[S], None, encoding::b32enc)),
        ("b32dec", func(&[S], None, encoding::b32dec)),
        ("toJson", func(&[Any], None, encoding::to_json)),
        ("mustToJson", func(&[Any], None, encoding::must_to_json)),
        ("toPrettyJson", func(&[Any], None, encoding::to_pretty_json)),
        (
            "mustToPrettyJson",
            func(&[Any], None, encoding::must_to_pretty_json),
        ),
        ("toRawJson", func(&[Any], None, encoding::to_raw_json)),
        (
            "mustToRawJson",
            func(&[Any], None, encoding::must_to_raw_json),
        ),
        ("fromJson", func(&[S], None, encoding::from_json)),
        ("mustFromJson", func(&[S], None, encoding::must_from_json)),
        ("sha1sum", func(&[S], None, encoding::sha1sum)),
        ("sha256sum", func(&[S], None, encoding::sha256sum)),
        ("sha512sum", func(&[S], None, crypto::sha512sum)),
        ("adler32sum", func(&[S], None, encoding::adler32sum)),
        // Sprig environment and slash-separated paths (the host supplies the environment).
        ("env", func(&[S], None, paths::env)),
        ("expandenv", func(&[S], None, paths::expandenv)),
        ("base", func(&[S], None, paths::base)),
        ("dir", func(&[S], None, paths::dir)),
        ("clean", func(&[S], None, paths::clean)),
        ("ext", func(&[S], None, paths::ext)),
        ("isAbs", func(&[S], None, paths::is_abs)),
        ("osBase", func(&[S], None, paths::base)),
        ("osDir", func(&[S], None, paths::dir)),
        ("osClean", func(&[S], None, paths::clean)),
        ("osExt", func(&[S], None, paths::ext)),
        ("osIsAbs", func(&[S], None, paths::is_abs)),
        // Sprig semantic versions (Masterminds/semver rules).
        ("semver", func(&[S], None, semver::semver)),
        ("semverCompare", func(&[S, S], None, semver::semver_compare)),
        // Sprig dates (Go's time layouts; the clock is the host's).
        ("now", func(&[], None, dates::now)),
        ("date", func(&[S, Any], None, dates::date)),
        ("dateInZone", func(&[S, Any, S], None, dates::date_in_zone)),
        (
            "date_in_zone",
            func(&[S, Any, S], None, dates::date_in_zone),
        ),
        ("htmlDate", func(&[Any], None, dates::html_date)),
        (
            "htmlDateInZone",
            func(&[Any, S], None, dates::html_date_in_zone),
        ),
        ("dateModify", func(&[S, T], None, dates::date_modify)),
        ("date_modify", func(&[S, T], None, dates::date_modify)),
        (
            "mustDateModify",
            func(&[S, T], None, dates::must_date_modify),
        ),
        (
            "must_date_modify",
            func(&[S, T], None, dates::must_date_modify),
        ),
        ("ago", func(&[Any], None, dates::ago)),
        ("toDate", func(&[S, S], None, dates::to_date)),
        ("mustToDate", func(&[S, S], None, dates::must_to_date)),
        ("unixEpoch", func(&[T], None, dates::unix_epoch)),
        ("duration", func(&[Any], None, dates::duration)),
        ("durationRound", func(&[Any], None, dates::duration_round)),
        // Sprig randomness (the operating system's generator).
        ("randAlphaNum", func(&[I], None, random::rand_alpha_num)),
        ("randAlpha", func(&[I], None, random::rand_alpha)),
        ("randAscii", func(&[I], None, random::rand_ascii)),
        ("randNumeric", func(&[I], None, random::rand_numeric)),
        ("randInt", func(&[I, I], None, random::rand_int)),
        ("randBytes", func(&[I], None, random::rand_bytes)),
        ("uuidv4", func(&[], None, random::uuidv4)),
        ("shuffle", func(&[S], None, random::shuffle)),
        // Sprig network and URLs.
        ("getHostByName", func(&[S], None, network::get_host_by_name)),
        ("urlParse", func(&[S], None, network::url_parse)),
        ("urlJoin", func(&[M], None, network::url_join)),
        // Sprig cryptography.
        ("bcrypt", func(&[S], None, crypto::bcrypt)),
        ("htpasswd", func(&[S, S], None, crypto::htpasswd)),
        (
            "derivePassword",
            func(&[U32, S, S, S, S], None, crypto::derive_password),
        ),
        ("genPrivateKey", func(&[S], None, crypto::gen_private_key)),
        (
            "buildCustomCert",
            func(&[S, S], None, crypto::build_custom_cert),
        ),
        ("genCA", func(&[S, I], None, crypto::gen_ca)),
        (
            "genCAWithKey",
            func(&[S, I, S], None, crypto::gen_ca_with_key),
        ),
        (
            "genSelfSignedCert",
            func(&[S, L, L, I], None, crypto::gen_self_signed_cert),
        ),
        (
            "genSelfSignedCertWithKey",
            func(
                &[S, L, L, I, S],
                None,
                crypto::gen_self_signed_cert_with_key,
            ),
        ),
        (
            "genSignedCert",
            func(&[S, L, L, I, C], None, crypto::gen_signed_cert),
        ),
        (
            "genSignedCertWithKey",
            func(&[S, L, L, I, C, S], None, crypto::gen_signed_cert_with_key),
        ),
        ("encryptAES", func(&[S, S], None, crypto::encrypt_aes)),
        ("decryptAES", func(&[S, S], None, crypto::decrypt_aes)),
        // goss's own functions, registered last so they replace Sprig's `regexMatch`.
        ("mkSlice", func(&[], Some(Any), goss::mk_slice)),
        ("getEnv", func(&[S], Some(S), goss::get_env)),
        ("readFile", func(&[S], None, goss::read_file)),
        ("regexMatch", func(&[S, S], None, goss::regex_match)),
        ("toUpper", func(&[S], None, strings::upper)),
        ("toLower", func(&[S], None, strings::lower)),
        (
            "findStringSubmatch",
            func(&[S, S], None, goss::find_string_submatch),
        ),
    ];
    entries.into_iter().collect()
}

fn functions() -> &'static HashMap<&'static str, Func> {
    static TABLE: OnceLock<HashMap<&'static str, Func>> = OnceLock::new();
    TABLE.get_or_init(table)
}

/// A method of a value the executor can call (`*semver.Version`, `time.Time`).
pub(crate) fn method(receiver: &Val, name: &str) -> Option<Func> {
    match receiver {
        Val::Version(_) => semver::method(name),
        Val::Time(_) => dates::method(name),
        _ => None,
    }
}

pub(crate) fn lookup(name: &str) -> Option<Func> {
    functions().get(name).copied()
}

/// Whether templates may call `name`; the parser rejects unknown names as Go does.
pub(crate) fn exists(name: &str) -> bool {
    functions().contains_key(name)
}
