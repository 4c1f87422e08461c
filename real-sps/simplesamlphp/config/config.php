<?php
// SimpleSAMLphp (Debian 12's package) as the SP of a minimal PHP app: Debian's defaults, with
// what an SP on http://127.0.0.1:PORT needs (real-sps/src/lib.rs sets the environment).
// Environment: SP_BASE_URL, SP_DIR (a writable directory), IDP_METADATA (file), SP_KEY, SP_CERT.
$dir = getenv('SP_DIR');
$config = [
    'baseurlpath' => getenv('SP_BASE_URL') . '/simplesaml/',
    'certdir' => $dir . '/',
    'loggingdir' => $dir . '/',
    'datadir' => $dir . '/',
    'tempdir' => $dir . '/tmp',
    'metadatadir' => $dir . '/',
    'attributenamemapdir' => '/usr/share/simplesamlphp/attributemap/',
    'technicalcontact_name' => 'saml-harness tests',
    'technicalcontact_email' => 'na@example.org',
    // Fixed for the SP's life, as an admin sets them once (config.php is read per request).
    'secretsalt' => hash('sha256', 'saml-harness-real-sp' . $dir),
    'auth.adminpassword' => hash('sha256', 'saml-harness-admin' . $dir),
    'admin.protectindexpage' => true,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'timezone' => 'UTC',
    'debug' => ['saml' => false, 'backtraces' => false, 'validatexml' => false],
    'showerrors' => false,
    'errorreporting' => false,
    'logging.level' => SimpleSAML\Logger::WARNING,
    'logging.handler' => 'errorlog',
    'enable.saml20-idp' => false,
    // A data store, so that an assertion is accepted once (saml2-acs.php checks
    // `saml.AssertionReceived` only when there is a store; the default, phpsession, is none).
    'store.type' => 'sql',
    'store.sql.dsn' => 'sqlite:' . $dir . '/store.sqlite',
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'module.enable' => ['core' => true, 'saml' => true, 'exampleauth' => false],
    // The IdP from its federation metadata XML, as `metarefresh` or an admin would load it.
    'metadata.sources' => [['type' => 'xml', 'file' => getenv('IDP_METADATA')]],
];
