<?php
// One SAML SP, as SimpleSAMLphp's documentation configures it for a single IdP, its key pair
// for decryption (the certificate is published in its metadata), with two of the protections
// the documentation names that are off by default: signed logout messages and (config.php) a
// replay store.
$idp = simplexml_load_file(getenv('IDP_METADATA'));
$config = [
    'default-sp' => [
        'saml:SP',
        'entityID' => getenv('SP_BASE_URL') . '/metadata',
        'idp' => (string) $idp['entityID'],
        'privatekey' => getenv('SP_KEY'),
        'certificate' => getenv('SP_CERT'),
        // Logout messages must be signed (the documented default is not to check them).
        'validate.logout' => true,
        'NameIDPolicy' => [
            'Format' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
            'AllowCreate' => true,
        ],
    ],
];
