//! Every check can fail: the whole catalogue passes against the careful reference SP, and each
//! reference-SP flaw (an emulated published bug) makes exactly its matching checks vulnerable
//! (or nonstrict, for strictness gaps).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

/// The look-alike checks that cut a value the oracle does not read: not-applicable when the
/// SP takes their document and the oracle reads the other place (the claims ones under the
/// NameID oracle, the NameID ones under a claim oracle), as
/// `the_oracle_must_read_the_value_a_look_alike_check_cuts` shows.
const UNSEEN: [&str; 8] = [
    "canon/comment/claims=not-applicable",
    "canon/cdata/claims=not-applicable",
    "canon/entity/claims=not-applicable",
    "canon/comment/name-id=not-applicable",
    "canon/cdata/name-id=not-applicable",
    "canon/entity/name-id=not-applicable",
    "canon/pi/name-id=not-applicable",
    "canon/pi/claims=not-applicable",
];

/// Held shared by every run, alone by one whose SP keeps reading after its run's checks.
static ENDLESS: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Runs `conformance --reference-sp` with `flaws`; returns the exit code and `id=verdict` of
/// every case that did not pass, but for the [`UNSEEN`] ones.
fn conformance(flaws: &[&str]) -> (i32, BTreeSet<String>) {
    conformance_with(flaws, &[])
}

/// As [`conformance`], with more arguments (a scenario, a selection).
fn conformance_with(flaws: &[&str], extra: &[&str]) -> (i32, BTreeSet<String>) {
    let (code, found) = every_finding(flaws, extra);
    let applicable = found
        .into_iter()
        .filter(|f| !UNSEEN.contains(&f.as_str()))
        .collect();
    (code, applicable)
}

/// As [`conformance_with`], the [`UNSEEN`] cases included.
fn every_finding(flaws: &[&str], extra: &[&str]) -> (i32, BTreeSet<String>) {
    // The reference SP re-reads its metadata file at the next request: a `meta/` check that
    // never sees it act on new metadata need not wait the default minute.
    let mut args = vec!["conformance", "--reference-sp", "--reload-timeout", "5"];
    for f in flaws {
        args.extend(["--flaw", f]);
    }
    args.extend(extra);
    // `remote-references` reads /dev/zero for good in `dos/manifest-device` (two threads, until
    // its run exits): it runs alone, so the other runs' dos/ timings are not its.
    let run = if flaws.contains(&"remote-references") {
        let _alone = ENDLESS.write().unwrap_or_else(|e| e.into_inner());
        common::run_with_report(&args, &[])
    } else {
        let _shared = ENDLESS.read().unwrap_or_else(|e| e.into_inner());
        common::run_with_report(&args, &[])
    };
    assert_eq!(run.report["schema"], 1);
    for c in run.cases().iter().filter(|c| c["verdict"] == "vulnerable") {
        // An identity forgery that worked names who got in: the forged identity.
        if let Some(forged) = c["forged_identity"].as_str() {
            let who = c["signed_in_as"].as_str().unwrap_or_default();
            assert!(who.eq_ignore_ascii_case(forged), "{c}");
        }
    }
    assert!(run.cases().len() >= 3, "{}", run.stdout);
    (run.code, run.findings().into_iter().collect())
}

#[test]
fn the_catalogue_passes_against_the_careful_reference_sp() {
    assert_eq!(conformance(&[]), (0, BTreeSet::new()));
}

macro_rules! flaw_is_caught {
    ($($test:ident: $flaw:literal => $code:literal [$($case:literal),+];)+) => {$(
        #[test]
        fn $test() {
            let expected: BTreeSet<String> = [$($case),+].into_iter().map(String::from).collect();
            assert_eq!(conformance(&[$flaw]), ($code, expected));
        }
    )+};
}

flaw_is_caught! {
    signature: "signature" => 1 ["canon/pi/name-id=vulnerable", "dos/large-signed-info=vulnerable", "dsig/comment-in-digest-value=vulnerable", "dsig/digest-value-smuggled=vulnerable", "dsig/namespace-hiding=vulnerable", "dsig/signature-in-claim=nonstrict", "dsig/signed-info/forged-first=vulnerable", "dsig/void-canonicalization=vulnerable", "enc/decryption-oracle=vulnerable", "enc/unsigned-assertion=vulnerable", "meta/key-without-use/unsigned=vulnerable", "meta/no-signing-key/unsigned=vulnerable", "meta/rollover/retired-key=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/empty/digest-value=vulnerable", "sig/empty/signature-value=vulnerable", "sig/hmac/base64-key=vulnerable", "sig/hmac/der-key=vulnerable", "sig/hmac/pem-no-newline=vulnerable", "sig/hmac/sha1=vulnerable", "sig/hmac/sha256=vulnerable", "sig/hmac/sha384=vulnerable", "sig/hmac/sha512=vulnerable", "sig/hmac/spki-pem-crlf=vulnerable", "sig/keyinfo/cloned-cert=vulnerable", "sig/keyinfo/key-value=vulnerable", "sig/keyinfo/none=vulnerable", "sig/keyinfo/x509=vulnerable", "sig/none-saml2-prefixed=vulnerable", "sig/none=vulnerable", "sig/reference/dangling=vulnerable", "sig/reference/two=nonstrict", "sig/reference/whole-document=nonstrict", "sig/tampered=vulnerable", "sig/verify-error/dsa-method=vulnerable", "sig/verify-error/ecdsa-method=vulnerable", "xsw/donor-signature-first=vulnerable"];
    key_from_keyinfo: "key-from-keyinfo" => 1 ["sig/keyinfo/x509=vulnerable", "sig/keyinfo/key-value=vulnerable", "sig/keyinfo/cloned-cert=vulnerable", "meta/rollover/retired-key=vulnerable"];
    hmac_key_confusion: "hmac-key-confusion" => 1 ["sig/hmac/sha1=vulnerable", "sig/hmac/sha256=vulnerable", "sig/hmac/sha384=vulnerable", "sig/hmac/sha512=vulnerable", "sig/hmac/der-key=vulnerable", "sig/hmac/base64-key=vulnerable", "sig/hmac/pem-no-newline=vulnerable", "sig/hmac/spki-pem-crlf=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict"];
    id_by_local_name: "id-by-local-name" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "xsw/attribute-pollution=vulnerable", "xsw/original-in-extensions-same-id=vulnerable"];
    enveloped_over_removal: "enveloped-over-removal" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "xsw/subject-in-signature=vulnerable", "dsig/enveloped-over-removal=vulnerable"];
    signature_descendant: "signature-descendant" => 0 ["dsig/signature-in-claim=nonstrict", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict"];
    descendant_subject: "descendant-subject" => 1 ["xsw/subject-in-signature=vulnerable"];
    first_text_node: "first-text-node" => 1 ["canon/comment/name-id=vulnerable", "canon/cdata/name-id=vulnerable"];
    xsw_root_assertion: "xsw-root-assertion" => 1 ["dsig/signature-in-claim=nonstrict", "enc/unsigned-beside-signed=vulnerable", "enc/unsigned-with-signed-in-extensions=vulnerable", "parse/schema/assertion-in-assertion=vulnerable", "parse/schema/response-in-response=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/detached=vulnerable", "sig/reference/two=nonstrict", "xsw/1=vulnerable", "xsw/2=vulnerable", "xsw/3=vulnerable", "xsw/4=vulnerable", "xsw/5=vulnerable", "xsw/6=vulnerable", "xsw/advice=vulnerable", "xsw/attribute-pollution=vulnerable", "xsw/donor-signature-first=vulnerable", "xsw/encrypted=vulnerable", "xsw/lifted-signature=vulnerable", "xsw/original-in-extensions-same-id=vulnerable", "xsw/original-in-extensions=vulnerable", "xsw/status-detail=vulnerable"];
    xsw_last_id: "xsw-last-id" => 1 ["dsig/signature-in-claim=nonstrict", "enc/unsigned-beside-signed=vulnerable", "parse/schema/assertion-in-assertion=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "xsw/3=vulnerable", "xsw/4=vulnerable", "xsw/5=vulnerable", "xsw/6=vulnerable", "xsw/7=vulnerable", "xsw/8=vulnerable", "xsw/advice=vulnerable", "xsw/assertions/forged-first=vulnerable", "xsw/attribute-pollution=vulnerable", "xsw/donor-signature-first=vulnerable", "xsw/encrypted=vulnerable"];
    document_wide_fields: "document-wide-fields" => 1 ["dsig/signature-in-claim=nonstrict", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "xsw/donor-signature-first=vulnerable", "xsw/forged-without-audience=vulnerable", "xsw/subject-in-signature=vulnerable"];
    regex_fallback: "regex-fallback" => 1 ["sig/none-saml2-prefixed=vulnerable"];
    inflate_posted: "inflate-posted" => 0 ["dos/deflate-bomb=vulnerable"];
    raw_xml_unbounded: "raw-xml-unbounded" => 0 ["dos/raw-xml-oversize=vulnerable"];
    response_id_in_sql: "response-id-in-sql" => 1 ["prot/response-id/sql-injection=vulnerable"];
    split_fields_read_last: "split-fields-read-last" => 1 ["bind/duplicate-response/forged-last=vulnerable"];
    split_fields_read_first: "split-fields-read-first" => 1 ["bind/duplicate-response/forged-first=vulnerable"];
    inflate_redirect: "inflate-redirect" => 0 ["slo/deflate-bomb=vulnerable"];
    inflate_acs_redirect: "inflate-acs-redirect" => 0 ["bind/acs-redirect=nonstrict", "dos/deflate-bomb-redirect=vulnerable"];
    unbounded_transforms: "unbounded-transforms" => 0 ["dos/many-transforms=vulnerable"];
    unbounded_attributes: "unbounded-attributes" => 0 ["dos/many-attributes=vulnerable"];
    end_tag_trim: "end-tag-trim" => 0 ["dos/end-tag-whitespace=vulnerable"];
    node_set_c14n: "node-set-c14n" => 0 ["dos/large-signed-info=vulnerable"];
    // It still trusts the rolled-over key when the metadata lists only an encryption key, so
    // that check never sees the SP act on its metadata.
    keeps_retired_keys: "keeps-retired-keys" => 1 ["meta/rollover/retired-key=vulnerable", "meta/no-signing-key/unsigned=inconclusive"];
    no_key_no_check: "no-key-no-check" => 1 ["meta/no-signing-key/unsigned=vulnerable"];
    unmarked_key_no_check: "unmarked-key-no-check" => 1 ["meta/key-without-use/unsigned=vulnerable", "meta/no-signing-key/unsigned=vulnerable"];
    last_assertion: "last-assertion" => 1 ["enc/unsigned-with-signed-in-extensions=vulnerable", "sig/assertion-unsigned=nonstrict", "xsw/assertions/signed-first=vulnerable"];
    digest_first_child: "digest-first-child" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "dsig/comment-in-digest-value=vulnerable"];
    digest_anywhere: "digest-anywhere" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "dsig/digest-value-smuggled=vulnerable"];
    signed_info_moved: "signed-info-moved" => 1 ["dsig/signed-info/forged-first=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict"];
    all_signed_info: "all-signed-info" => 1 ["dsig/multiple-signed-info-object-first=vulnerable", "dsig/multiple-signed-info=vulnerable", "enc/unsigned-beside-signed=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "xsw/3=vulnerable", "xsw/5=vulnerable", "xsw/6=vulnerable", "xsw/attribute-pollution=vulnerable", "xsw/encrypted=vulnerable"];
    skip_unresolved_references: "skip-unresolved-references" => 1 ["dsig/signature-in-claim=nonstrict", "sig/assertion-unsigned=nonstrict", "sig/reference/dangling=vulnerable", "xsw/donor-signature-first=vulnerable"];
    multiple_roots: "multiple-roots" => 1 ["xsw/roots/donor-first=vulnerable"];
    doctype_round_trip: "doctype-round-trip" => 1 ["parse/doctype-round-trip=vulnerable", "parse/doctype=nonstrict"];
    recovering_parser: "recovering-parser" => 0 ["parse/malformed/trailing-content=nonstrict", "parse/malformed/duplicate-attribute=nonstrict", "parse/malformed/unclosed-root=nonstrict", "parse/encoding/mislabelled=nonstrict"];
    namespace_blind: "namespace-blind" => 1 ["parse/namespace/foreign-assertion=vulnerable"];
    skip_entity_references: "skip-entity-references" => 1 ["sig/assertion-unsigned=nonstrict", "canon/entity/name-id=vulnerable", "parse/doctype=nonstrict"];
    pi_as_text: "pi-as-text" => 1 ["canon/pi/name-id=vulnerable"];
    split_signature_parsers: "split-signature-parsers" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "dsig/namespace-confusion=vulnerable", "dsig/namespace-hiding=vulnerable", "dsig/void-canonicalization=vulnerable", "parse/doctype=nonstrict"];
    void_canonicalization: "void-canonicalization" => 1 ["sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict", "dsig/void-canonicalization=vulnerable"];
    ids_in_document_copy: "ids-in-document-copy" => 1 ["sig/assertion-unsigned=nonstrict", "dsig/entity-defined-id=vulnerable", "parse/doctype=nonstrict"];
    first_signature_in_scope: "first-signature-in-scope" => 1 ["sig/reference/two=nonstrict", "parse/schema/assertion-in-assertion=vulnerable", "xsw/original-in-extensions-same-id=vulnerable", "parse/schema/response-in-response=vulnerable", "sig/assertion-unsigned=nonstrict"];
    external_entities: "external-entities" => 1 ["xxe/external-entity=vulnerable", "xxe/parameter-entity=vulnerable", "xxe/external-dtd=vulnerable", "xxe/exfiltrate=vulnerable", "xxe/file/external-entity=vulnerable", "xxe/file/parameter-entity=vulnerable", "xxe/file/external-dtd=vulnerable"];
    php_nonet: "php-nonet" => 1 ["xxe/file/parameter-entity=vulnerable", "xxe/file/external-dtd=vulnerable", "xxe/php-filter/external-dtd=vulnerable", "xxe/php-filter/parameter-entity=vulnerable"];
    xinclude: "xinclude" => 0 ["xxe/xinclude=vulnerable", "xxe/file/xinclude=vulnerable"];
    remote_references: "remote-references" => 1 ["sig/reference/whole-document=nonstrict", "sig/reference/two=nonstrict", "dsig/reference/remote-uri=vulnerable", "dos/manifest-device=vulnerable"];
    keyinfo_retrieval: "keyinfo-retrieval" => 1 ["dsig/keyinfo/retrieval-method=vulnerable", "dsig/keyinfo/reference=vulnerable"];
    xslt_transforms: "xslt-transforms" => 1 ["dos/many-transforms=vulnerable", "dos/xpath-bomb=vulnerable", "dos/xslt-bomb=vulnerable", "dsig/transform/xpath=nonstrict", "dsig/transform/xslt=vulnerable"];
    relay_prefix_check: "relay-prefix-check" => 0 ["relay/backslash=vulnerable", "relay/tab=vulnerable", "relay/return-to/backslash=vulnerable", "relay/return-to/tab=vulnerable", "relay/logout-return-to/backslash=vulnerable"];
    verify_error_as_success: "verify-error-as-success" => 1 ["sig/verify-error/dsa-method=vulnerable", "sig/verify-error/ecdsa-method=vulnerable", "sig/assertion-unsigned=nonstrict", "sig/reference/two=nonstrict"];
    envelope_in_response_to: "envelope-in-response-to" => 1 ["subj/in-response-to-other=vulnerable"];
    issuer_prefix: "issuer-prefix" => 0 ["prot/issuer-app-suffix=nonstrict"];
    normalised_identity: "normalised-identity" => 0 ["canon/normalise/nbsp=vulnerable", "canon/normalise/zero-width=vulnerable", "canon/normalise/fullwidth=vulnerable"];
    lax_clock_skew: "lax-clock-skew" => 1 ["cond/scd-expired=vulnerable", "cond/session-expired=nonstrict", "cond/skew/late-10m=nonstrict", "cond/skew/early-10m=nonstrict"];
    paos_bypass: "paos-bypass" => 1 ["bind/paos-header=vulnerable"];
    encrypted_trusted: "encrypted-trusted" => 1 ["enc/decryption-oracle=vulnerable", "enc/unsigned-assertion=vulnerable"];
    encrypted_any_signature: "encrypted-any-signature" => 1 ["enc/unsigned-beside-signed=vulnerable", "enc/unsigned-with-signed-in-extensions=vulnerable"];
    encrypted_conditions: "encrypted-conditions" => 1 ["enc/expired=vulnerable", "enc/other-audience=vulnerable"];
    rsa_1_5: "rsa-1_5" => 0 ["enc/rsa-1_5=nonstrict"];
    decrypted_entities: "decrypted-entities" => 1 ["enc/doctype-in-plaintext=vulnerable"];
    encrypted_key_cycle: "encrypted-key-cycle" => 0 ["dos/encrypted-key-cycle=vulnerable"];
    cipher_reference: "cipher-reference" => 1 ["enc/cipher-reference/data=vulnerable", "enc/cipher-reference/file=vulnerable", "enc/cipher-reference/key=vulnerable", "enc/cipher-reference/key-file=vulnerable"];
    cipher_reference_in_key: "cipher-reference-in-key" => 1 ["enc/cipher-reference/key=vulnerable", "enc/cipher-reference/key-file=vulnerable"];
    padding_oracle: "padding-oracle" => 1 ["enc/decryption-oracle=vulnerable"];
    parse_oracle: "parse-oracle" => 1 ["enc/decryption-oracle=vulnerable"];
    lasso_soap_body: "lasso-soap-body" => 0 ["dos/crash/soap-empty-body=vulnerable"];
    lasso_any_attributes: "lasso-any-attributes" => 0 ["dos/crash/any-attributes=vulnerable"];
    lasso_cdata_child: "lasso-cdata-child" => 0 ["dos/crash/cdata-child=vulnerable"];
    goxmldsig_nil_signature_value: "goxmldsig-nil-signature-value" => 0 ["dos/crash/signature-value-missing=vulnerable"];
    entity_expansion: "entity-expansion" => 0 ["dos/entity-expansion=vulnerable"];
    assertion_signature_optional: "assertion-signature-optional" => 0 ["sig/assertion-unsigned=nonstrict"];
    duplicate_ids: "duplicate-ids" => 1 ["sig/assertion-unsigned=nonstrict", "sig/detached=vulnerable", "sig/reference/two=nonstrict", "xsw/1=vulnerable", "xsw/2=vulnerable", "xsw/6=vulnerable", "xsw/lifted-signature=vulnerable", "xsw/original-in-extensions=vulnerable", "xsw/assertions/signed-first=vulnerable", "xsw/assertions/signed-first-same-id=vulnerable", "xsw/original-in-extensions-same-id=vulnerable"];
    verbose_errors: "verbose-errors" => 0 ["info/stack-trace=vulnerable"];
    // A replay with the cookies the login was posted with meets the kept session first.
    session_fixation: "session-fixation" => 3 ["prot/replay=inconclusive", "session/fixation=vulnerable"];
    relay_reflected: "relay-reflected" => 0 ["relay/reflected-markup=vulnerable"];
    sign_on_reflected: "sign-on-reflected" => 0 ["relay/sign-on-markup=vulnerable"];
    slo_unsigned: "slo-unsigned" => 0 ["slo/unsigned=vulnerable", "slo/post/unsigned=vulnerable"];
    slo_signature_unchecked: "slo-signature-unchecked" => 0 ["slo/untrusted-key=vulnerable", "slo/post/untrusted-key=vulnerable", "slo/post/assertion-signature=vulnerable", "bind/redirect/prefixed-parameter=vulnerable"];
    slo_any_signature: "slo-any-signature" => 0 ["slo/post/assertion-signature=vulnerable"];
    slo_expiry_unchecked: "slo-expiry-unchecked" => 0 ["slo/expired=vulnerable", "slo/post/expired=vulnerable"];
    redirect_smuggled_parameters: "redirect-smuggled-parameters" => 0 ["bind/redirect/response-name-confusion=vulnerable", "bind/redirect/prefixed-parameter=vulnerable", "bind/redirect/encoded-name=vulnerable", "bind/redirect/encoded-response-name=vulnerable", "bind/redirect/prefixed-response=vulnerable"];
    redirect_request_beside_response: "redirect-request-beside-response" => 0 ["bind/redirect/request-beside-response=vulnerable"];
    acs_redirect: "acs-redirect" => 0 ["bind/acs-redirect=nonstrict"];
    name_id_optional: "name-id-optional" => 0 ["subj/name-id-missing=nonstrict", "subj/name-id-empty=nonstrict"];
    relay_any: "relay-any" => 0 ["relay/absolute=vulnerable", "relay/scheme-relative=vulnerable", "relay/triple-slash=vulnerable", "relay/backslash=vulnerable", "relay/double-backslash=vulnerable", "relay/tab=vulnerable", "relay/scheme-colon=vulnerable", "relay/javascript=vulnerable", "relay/return-to/absolute=vulnerable", "relay/return-to/scheme-colon=vulnerable", "relay/return-to/backslash=vulnerable", "relay/return-to/tab=vulnerable", "relay/return-to/triple-slash=vulnerable", "relay/logout-return-to/absolute=vulnerable", "relay/logout-return-to/backslash=vulnerable", "relay/logout-return-to/triple-slash=vulnerable"];
    relay_any_unsolicited: "relay-any-unsolicited" => 0 ["relay/unsolicited/absolute=vulnerable", "relay/unsolicited/scheme-relative=vulnerable", "prot/unsolicited=nonstrict"];
    signature_wrapping: "signature-wrapping" => 1 ["enc/unsigned-beside-signed=vulnerable", "sig/assertion-unsigned=nonstrict", "xsw/3=vulnerable", "xsw/4=vulnerable", "xsw/advice=vulnerable", "xsw/encrypted=vulnerable"];
    status: "status" => 0 ["prot/status-responder=nonstrict", "prot/status-nested-success=nonstrict"];
    subject_confirmation: "subject-confirmation" => 1 ["subj/holder-of-key=vulnerable", "subj/no-confirmation=nonstrict"];
    audience: "audience" => 1 ["aud/other-sp=vulnerable", "aud/prefix=vulnerable", "aud/missing=nonstrict", "aud/empty=nonstrict", "aud/second-restriction=nonstrict", "enc/other-audience=vulnerable"];
    audience_prefix: "audience-prefix" => 1 ["aud/prefix=vulnerable"];
    lenient_profile: "lenient-profile" => 0 ["cond/issue-instant-future=nonstrict", "cond/scd-not-before=nonstrict", "cond/unknown-condition=nonstrict", "dos/many-transforms=vulnerable", "dos/xpath-bomb=vulnerable", "dos/xslt-bomb=vulnerable", "dsig/transform/xpath=nonstrict", "prot/authn-statement-missing=nonstrict", "prot/destination-missing=nonstrict", "prot/id-malformed=nonstrict", "prot/id-missing=nonstrict", "prot/issue-instant-missing=nonstrict", "prot/version=nonstrict"];
    recipient: "recipient" => 0 ["subj/recipient-other=nonstrict", "subj/recipient-missing=nonstrict"];
    destination: "destination" => 0 ["prot/destination-other=nonstrict"];
    time_window: "time-window" => 1 ["cond/expired=vulnerable", "cond/scd-expired=vulnerable", "cond/no-expiry=nonstrict", "cond/session-expired=nonstrict", "cond/malformed-datetime=nonstrict", "cond/skew/late-10m=nonstrict", "cond/skew/early-10m=nonstrict", "enc/expired=vulnerable"];
    in_response_to: "in-response-to" => 1 ["prot/in-response-to-unknown=vulnerable", "prot/unsolicited=nonstrict", "session/request-binding/fresh-browser=vulnerable", "session/request-binding/pending-login=vulnerable"];
    replay: "replay" => 1 ["prot/replay=vulnerable"];
    requests_any_browser: "requests-any-browser" => 0 ["session/request-binding/fresh-browser=vulnerable", "session/request-binding/pending-login=vulnerable"];
    login_cookie_only: "login-cookie-only" => 0 ["session/request-binding/pending-login=vulnerable"];
    no_session_no_check: "no-session-no-check" => 0 ["session/request-binding/fresh-browser=vulnerable"];
    issuer: "issuer" => 0 ["prot/issuer-other=nonstrict", "prot/issuer-app-suffix=nonstrict", "prot/issuer-missing=nonstrict"];
}

#[test]
fn a_token_not_yet_valid_needs_the_time_window_and_issue_instant_unchecked() {
    let only = ["--only", "cond/not-yet-valid"];
    assert_eq!(
        conformance_with(&["time-window", "lenient-profile"], &only),
        (
            0,
            BTreeSet::from(["cond/not-yet-valid=nonstrict".to_owned()])
        )
    );
}

#[test]
fn a_cross_sp_token_needs_audience_and_recipient_unchecked() {
    let (code, bad) = conformance(&["audience", "recipient"]);
    assert_eq!(code, 1);
    assert!(bad.contains("aud/cross-sp=vulnerable"), "{bad:?}");
}

#[test]
fn the_oracle_must_read_the_value_a_look_alike_check_cuts() {
    // The careful SP shows the NameID: a check that cuts only the claims leaves its own
    // look-alike whole in NameID, and that is who the oracle shows, so the claims' reading
    // cannot be seen (python3-saml < 1.4.0 cut claims at a comment: with a NameID oracle
    // this check used to say pass). With a claim oracle, the same holds for NameID.
    let canon = ["--only", "canon"];
    let claims_unseen = BTreeSet::from([
        "canon/comment/claims=not-applicable".to_owned(),
        "canon/cdata/claims=not-applicable".to_owned(),
    ]);
    assert_eq!(every_finding(&[], &canon), (0, claims_unseen.clone()));
    assert_eq!(
        every_finding(&["first-text-node"], &canon),
        (
            1,
            BTreeSet::from([
                "canon/comment/name-id=vulnerable".to_owned(),
                "canon/cdata/name-id=vulnerable".to_owned()
            ])
            .union(&claims_unseen)
            .cloned()
            .collect()
        )
    );
    let by_claim = ["scenarios/examples/03-claims.yaml", "--only", "canon"];
    assert_eq!(
        every_finding(&[], &by_claim),
        (
            0,
            BTreeSet::from([
                "canon/comment/name-id=not-applicable".to_owned(),
                "canon/cdata/name-id=not-applicable".to_owned()
            ])
        )
    );
}

#[test]
fn truncation_in_a_claim_is_caught_when_the_sp_identifies_users_by_that_claim() {
    let claims = ["scenarios/examples/03-claims.yaml", "--only", "canon"];
    assert_eq!(conformance_with(&[], &claims), (0, BTreeSet::new()));
    assert_eq!(
        conformance_with(&["first-text-node"], &claims),
        (
            1,
            BTreeSet::from([
                "canon/comment/claims=vulnerable".to_owned(),
                "canon/cdata/claims=vulnerable".to_owned()
            ])
        )
    );
    assert_eq!(
        conformance_with(&["skip-entity-references"], &claims),
        (
            1,
            BTreeSet::from(["canon/entity/claims=vulnerable".to_owned()])
        )
    );
    // passport-wsfed-saml2 < 4.6.4 (CVE-2025-46573): claims smuggled into the Signature.
    assert_eq!(
        conformance_with(
            &["descendant-subject"],
            &[claims[0], "--only", "xsw/attributes-in-signature"]
        ),
        (
            1,
            BTreeSet::from(["xsw/attributes-in-signature=vulnerable".to_owned()])
        )
    );
    // node-saml < 5.1.0 (CVE-2025-54419) for an SP that maps accounts from the e-mail claim.
    assert_eq!(
        conformance_with(&["pi-as-text"], &claims),
        (1, BTreeSet::from(["canon/pi/claims=vulnerable".to_owned()]))
    );
}

#[test]
fn the_whole_catalogue_runs_and_every_check_is_proven_by_some_flaw() {
    let list = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args(["conformance", "--list", "--json"])
        .output()
        .unwrap();
    let checks: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    assert!(checks.len() >= 60, "{} checks", checks.len());
    for c in &checks {
        for key in [
            "id",
            "title",
            "family",
            "severity",
            "capability",
            "research_id",
            "references",
        ] {
            assert!(!c[key].is_null(), "{key} missing in {c}");
        }
    }
    let proven = include_str!("flaws.rs");
    for c in &checks {
        let id = c["id"].as_str().unwrap();
        assert!(
            proven.contains(&format!("\"{id}=vulnerable\""))
                || proven.contains(&format!("\"{id}=nonstrict\"")),
            "no test shows a flaw that {id} catches"
        );
    }
}

/// COND-07: the clock-skew checks measure the skew the SP allows, not only whether ten
/// minutes is too much: three minutes in the careful SP, half an hour under `lax-clock-skew`
/// (whose edge falls on a step: accepted there or not depends on the delay).
#[test]
fn the_clock_skew_checks_report_the_skew_allowed_in_seconds() {
    let careful: &[&str] = &["between 175 s and 185 s"];
    let lax: &[&str] = &["between 1800 s and 3600 s", "between 600 s and 1800 s"];
    for (flaws, late, early) in [
        (&[][..], careful, careful),
        (&["lax-clock-skew"][..], lax, lax),
    ] {
        let mut args = vec!["conformance", "--reference-sp", "--only", "cond/skew"];
        for f in flaws {
            args.extend(["--flaw", f]);
        }
        let run = common::run_with_report(&args, &[]);
        for (id, relation, allowed) in [
            ("cond/skew/late-10m", "past NotOnOrAfter", late),
            ("cond/skew/early-10m", "before NotBefore", early),
        ] {
            let case = run
                .cases()
                .iter()
                .find(|c| c["id"] == id)
                .unwrap_or_else(|| panic!("no {id} in {}", run.stdout));
            let reason = case["reason"].as_str().unwrap_or_default();
            assert!(
                allowed
                    .iter()
                    .any(|a| reason.contains(&format!("clock skew allowed {relation}: {a}"))),
                "{flaws:?}: {reason}"
            );
        }
    }
}

/// PROT-11 when the IdP signs the Response too (Entra's "Sign SAML response and assertion"):
/// that signature names the Response by its ID, so a missing ID is not-applicable and a
/// malformed one is signed under its new name (both used to end in `error`).
#[test]
fn the_response_id_checks_follow_a_signed_response() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("both-signed.yaml");
    std::fs::write(
        &scenario,
        "sp:\n  sign_on_url: ${SP_URL}/login\n  metadata: ${SP_URL}/saml/metadata\n  oracle: {url: \"${SP_URL}/me\", identity: {json_pointer: /name_id}}\nidp:\n  settings:\n    signing: {option: both}\ncases:\n  - expect: accept\n",
    )
    .unwrap();
    let args = [
        scenario.to_str().unwrap(),
        "--only",
        "prot/id-missing",
        "--only",
        "prot/id-malformed",
        "--only",
        "prot/issue-instant-missing",
    ];
    let missing = BTreeSet::from(["prot/id-missing=not-applicable".to_owned()]);
    assert_eq!(every_finding(&[], &args), (0, missing.clone()));
    let mut lenient = BTreeSet::from([
        "prot/id-malformed=nonstrict".to_owned(),
        "prot/issue-instant-missing=nonstrict".to_owned(),
    ]);
    lenient.extend(missing);
    assert_eq!(every_finding(&["lenient-profile"], &args), (0, lenient));
}
