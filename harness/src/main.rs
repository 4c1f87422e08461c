//! saml-harness: a SAML 2.0 conformance and testing harness for Microsoft Entra ID integrations.

fn main() {
    println!("saml-harness: mock-idp under construction");
}
