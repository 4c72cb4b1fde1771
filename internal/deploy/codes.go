package deploy

import "net/http"

// Code is one of the admin API's error codes: the stable, machine-readable "code" of an error
// response, with the HTTP status it is always sent with. Every code is declared once, in
// Catalogue; Errorf takes one, so a code nobody declared does not compile.
type Code struct {
	// Name is what the response's "code" field says, e.g. "invalid_metadata".
	Name string
	// Status is the HTTP status of every response with this code.
	Status int
	// Meaning says when the code is sent, for the API's reader.
	Meaning string
}

// The admin API's error codes. Catalogue lists them all.
var (
	// Requests and authentication.
	CodeNotFound         = Code{"not_found", http.StatusNotFound, "no such API endpoint"}
	CodeInvalidBody      = Code{"invalid_body", http.StatusBadRequest, "the JSON request body is malformed or contradicts the path"}
	CodeUnauthorized     = Code{"unauthorized", http.StatusUnauthorized, "no API token, or one the control plane does not know"}
	CodeTokenExpired     = Code{"token_expired", http.StatusUnauthorized, "the API token is past its expiry"}
	CodeTooManyFailures  = Code{"too_many_failures", http.StatusTooManyRequests, "too many failed authentications from this address; wait and retry"}
	CodeForbidden        = Code{"forbidden", http.StatusForbidden, "the token's role or account does not allow this"}
	CodeInternal         = Code{"internal", http.StatusInternalServerError, "an unexpected server error; the message says what failed"}
	CodeStoreUnavailable = Code{"store_unavailable", http.StatusServiceUnavailable, "the control plane's store cannot be read or written now; retry"}
	CodeBusy             = Code{"busy", http.StatusServiceUnavailable, "too many deploys are being validated; retry"}
	CodeConflict         = Code{"conflict", http.StatusConflict, "the record changed concurrently; retry"}

	// Uploads.
	CodeUnsupportedContentType = Code{"unsupported_content_type", http.StatusUnsupportedMediaType, "a deploy must be multipart/form-data with a boundary"}
	CodeMalformedUpload        = Code{"malformed_upload", http.StatusBadRequest, "the multipart body cannot be read, or its parts are not what a deploy holds"}
	CodeUploadTooLarge         = Code{"upload_too_large", http.StatusRequestEntityTooLarge, "the deploy body is larger than MaxUploadBytes"}
	CodeInvalidMetadata        = Code{"invalid_metadata", http.StatusBadRequest, "the metadata part is malformed, has an unknown field or contradicts itself"}
	CodeInvalidName            = Code{"invalid_name", http.StatusBadRequest, "the worker name is not a DNS label"}
	CodeNoModules              = Code{"no_modules", http.StatusBadRequest, "the upload holds no modules"}
	CodeTooManyModules         = Code{"too_many_modules", http.StatusRequestEntityTooLarge, "the upload holds more than MaxModules modules"}
	CodeBundleTooLarge         = Code{"bundle_too_large", http.StatusRequestEntityTooLarge, "the modules total more than MaxBundleBytes"}
	CodeInvalidModulePath      = Code{"invalid_module_path", http.StatusBadRequest, "a module path is absolute, escapes the bundle or is not UTF-8"}
	CodeInvalidModule          = Code{"invalid_module", http.StatusBadRequest, "a JavaScript module is not UTF-8 text"}
	CodeMissingMain            = Code{"missing_main", http.StatusBadRequest, "the main module is not among the modules"}
	CodeVarsTooLarge           = Code{"vars_too_large", http.StatusRequestEntityTooLarge, "the vars are more than MaxVarsBytes of JSON"}
	CodeInvalidRoute           = Code{"invalid_route", http.StatusBadRequest, "a route pattern is malformed, or there are too many"}
	CodeInvalidLimits          = Code{"invalid_limits", http.StatusBadRequest, "a declared limit is outside its bounds (limits.Table)"}
	CodeInvalidEgressAllow     = Code{"invalid_egress_allow", http.StatusBadRequest, "an egress_allow entry is malformed"}
	CodeUnsupportedBinding     = Code{"unsupported_binding", http.StatusBadRequest, "a binding or compatibility flag islet does not implement; each is named"}
	CodeServiceNotFound        = Code{"service_not_found", http.StatusBadRequest, "a service binding names a worker the account does not have"}

	// Validation: the worker started once in a scratch isolate.
	CodeScriptError      = Code{"script_error", http.StatusBadRequest, "a module does not compile, or the top level throws, at file:line:column"}
	CodeStartupLimit     = Code{"startup_limit", http.StatusBadRequest, "the top level used more than its start-up CPU limit"}
	CodeStartupFatal     = Code{"startup_fatal", http.StatusBadRequest, "starting the worker ended the process that validated it; nothing was deployed"}
	CodeValidationFailed = Code{"validation_failed", http.StatusInternalServerError, "the validating process failed for a reason of its own"}

	// Workers, versions and secrets.
	CodeWorkerNotFound    = Code{"worker_not_found", http.StatusNotFound, "no worker of that name (in the token's account)"}
	CodeVersionNotFound   = Code{"version_not_found", http.StatusNotFound, "the worker has no version of that id"}
	CodeNoEarlierVersion  = Code{"no_earlier_version", http.StatusConflict, "a rollback asked for a version before the first"}
	CodeInvalidRollout    = Code{"invalid_rollout", http.StatusBadRequest, "a rollout percent outside 0 to 100"}
	CodeNameTaken         = Code{"name_taken", http.StatusConflict, "another account has a worker of that name"}
	CodeRouteTaken        = Code{"route_taken", http.StatusConflict, "another worker serves that route"}
	CodeSecretNotFound    = Code{"secret_not_found", http.StatusNotFound, "the worker has no secret of that name"}
	CodeInvalidSecret     = Code{"invalid_secret", http.StatusBadRequest, "a secret's value is missing or too large"}
	CodeInvalidSecretName = Code{"invalid_secret_name", http.StatusBadRequest, "a secret's name is empty or not an identifier"}

	// Accounts, tokens and what an operator grants.
	CodeInvalidAccount   = Code{"invalid_account", http.StatusBadRequest, "an account name is malformed"}
	CodeAccountNotFound  = Code{"account_not_found", http.StatusNotFound, "no account of that name"}
	CodeAccountExists    = Code{"account_exists", http.StatusConflict, "an account of that name exists"}
	CodeInvalidPlan      = Code{"invalid_plan", http.StatusBadRequest, "a plan field is outside its bounds"}
	CodeOverPlan         = Code{"over_plan", http.StatusForbidden, "the deploy declares more than the account's plan allows"}
	CodeZoneTaken        = Code{"zone_taken", http.StatusConflict, "another account has that zone"}
	CodeRouteNotInZone   = Code{"route_not_in_zone", http.StatusForbidden, "a route is outside the account's zones"}
	CodeEgressNotGranted = Code{"egress_not_granted", http.StatusForbidden, "an egress_allow entry is wider than the account's grant"}
	CodeTokenNotFound    = Code{"token_not_found", http.StatusNotFound, "no token of that id"}
	CodeInvalidExpiry    = Code{"invalid_expiry", http.StatusBadRequest, "a token lifetime that is not a duration, or too long"}
)

// Catalogue is every error code of the admin API, in the order above.
var Catalogue = []Code{
	CodeNotFound, CodeInvalidBody, CodeUnauthorized, CodeTokenExpired, CodeTooManyFailures, CodeForbidden,
	CodeInternal, CodeStoreUnavailable, CodeBusy, CodeConflict,
	CodeUnsupportedContentType, CodeMalformedUpload, CodeUploadTooLarge, CodeInvalidMetadata, CodeInvalidName,
	CodeNoModules, CodeTooManyModules, CodeBundleTooLarge, CodeInvalidModulePath, CodeInvalidModule,
	CodeMissingMain, CodeVarsTooLarge, CodeInvalidRoute, CodeInvalidLimits, CodeInvalidEgressAllow,
	CodeUnsupportedBinding, CodeServiceNotFound,
	CodeScriptError, CodeStartupLimit, CodeStartupFatal, CodeValidationFailed,
	CodeWorkerNotFound, CodeVersionNotFound, CodeNoEarlierVersion, CodeInvalidRollout, CodeNameTaken,
	CodeRouteTaken, CodeSecretNotFound, CodeInvalidSecret, CodeInvalidSecretName,
	CodeInvalidAccount, CodeAccountNotFound, CodeAccountExists, CodeInvalidPlan, CodeOverPlan, CodeZoneTaken,
	CodeRouteNotInZone, CodeEgressNotGranted, CodeTokenNotFound, CodeInvalidExpiry,
}
