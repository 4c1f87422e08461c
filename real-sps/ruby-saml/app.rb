# A minimal SP on ruby-saml (Debian's ruby-saml package), configured as its README says: the
# IdP's settings read from its metadata, signed assertions wanted, the SP key pair for
# decryption, soft mode (a refused response is `is_valid? == false` with its errors), and
# InResponseTo matched against the request sent to this browser (`matches_request_id`).
#
# Environment: SP_BASE_URL (http://127.0.0.1:PORT), SP_PORT, IDP_METADATA (file, read again
# whenever its content changes), SP_KEY and SP_CERT (PEM files).
# Routes: /login (SP-initiated), /acs, /me (JSON: name_id, attributes), /metadata.
# RelayState is not used: the ACS always sends the browser to /me.
require "json"
require "securerandom"
require "webrick"
require "onelogin/ruby-saml"

BASE = ENV.fetch("SP_BASE_URL")
LOADED = { metadata: nil, settings: nil }
LOADED_LOCK = Mutex.new

# The settings for the IdP metadata file as it is now: parsed again whenever its content
# changes, as an app that refreshes IdP metadata does.
def settings
  # Read and compare under the lock: a slower request never goes back to older metadata.
  LOADED_LOCK.synchronize do
    metadata = File.read(ENV.fetch("IDP_METADATA"))
    if metadata != LOADED[:metadata]
      idp = OneLogin::RubySaml::IdpMetadataParser.new.parse_to_hash(metadata)
      fresh = OneLogin::RubySaml::Settings.new(
        idp.merge(
          sp_entity_id: BASE + "/metadata",
          assertion_consumer_service_url: BASE + "/acs",
          name_identifier_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
          certificate: File.read(ENV.fetch("SP_CERT")),
          private_key: File.read(ENV.fetch("SP_KEY")),
          soft: true
        )
      )
      fresh.security[:want_assertions_signed] = true
      LOADED.update(metadata: metadata, settings: fresh)
    end
    LOADED[:settings]
  end
end

# Sessions by the random `sid` cookie: { request_id } before the login, { name_id, attributes }
# after it.
SESSIONS = {}
LOCK = Mutex.new

def session_of(req)
  sid = req.cookies.find { |c| c.name == "sid" }&.value
  LOCK.synchronize { SESSIONS[sid] } if sid
end

def open_session(res, data)
  sid = SecureRandom.hex(16)
  LOCK.synchronize { SESSIONS[sid] = data }
  cookie = WEBrick::Cookie.new("sid", sid)
  cookie.path = "/"
  res.cookies << cookie
end

def close_session(req)
  sid = req.cookies.find { |c| c.name == "sid" }&.value
  LOCK.synchronize { SESSIONS.delete(sid) } if sid
end

def answer(res, status, body, type = "application/json")
  res.status = status
  res["Content-Type"] = type
  res.body = body
end

def redirect(res, status, location)
  res.status = status
  res["Location"] = location
end

server = WEBrick::HTTPServer.new(
  BindAddress: "127.0.0.1",
  Port: Integer(ENV.fetch("SP_PORT")),
  AccessLog: [],
  Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN)
)

server.mount_proc("/login") do |_req, res|
  request = OneLogin::RubySaml::Authrequest.new
  url = request.create(settings)
  open_session(res, { request_id: request.uuid })
  redirect(res, 302, url)
end

server.mount_proc("/acs") do |req, res|
  next answer(res, 405, "{}") unless req.request_method == "POST"
  pending = session_of(req) || {}
  begin
    response = OneLogin::RubySaml::Response.new(
      req.query["SAMLResponse"].to_s,
      settings: settings,
      matches_request_id: pending[:request_id] || ""
    )
    valid = response.is_valid?
  rescue StandardError => e # ruby-saml raises on some malformed input even in soft mode
    next answer(res, 403, JSON.generate(error: "login refused", reason: "#{e.class}: #{e.message}"))
  end
  next answer(res, 403, JSON.generate(error: "login refused", reason: response.errors.join("; "))) unless valid

  # Accepted: what the application reads from it (an error here is WEBrick's 500).
  close_session(req)
  open_session(res, { name_id: response.nameid, attributes: response.attributes.all.to_h })
  redirect(res, 303, "/me")
end

server.mount_proc("/me") do |req, res|
  session = session_of(req)
  if session && session[:name_id]
    answer(res, 200, JSON.generate(name_id: session[:name_id], attributes: session[:attributes]))
  else
    redirect(res, 302, "/login")
  end
end

server.mount_proc("/metadata") do |_req, res|
  answer(res, 200, OneLogin::RubySaml::Metadata.new.generate(settings, true), "text/xml")
end

trap("TERM") { server.shutdown }
trap("INT") { server.shutdown }
server.start
