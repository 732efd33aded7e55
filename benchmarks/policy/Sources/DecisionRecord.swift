import BatonCore
import BatonPolicy

/// The decision record the intake pipeline stores for each item it makes, built and encoded the
/// way `Disclosure.record(of:for:)` in BatonServer builds it (this benchmark does not link the
/// server): every section's decision, rule and reason, who else is withheld, whether the referrer
/// is shown, and the consent the message was shared under. Timed beside the bare decisions, for
/// redaction's share of intake.
func decisionRecord(_ input: Input, policies: PolicySet) -> String {
    let request = input.request
    let isMASH = request.recipientType == .socialCare
    var record: JSONObject = [
        "policyVersion": .string(policies.version),
        "recipient": .string(request.recipient.rawValue), "purpose": .string(request.purpose),
        "sections": .array(input.labels.map { label in
            let decision = policies.needToKnow.decide(label, for: request)
            return [
                "label": .string(decision.label), "shown": .bool(decision.shown),
                "rule": .string(decision.rule ?? "default-deny"), "reason": .string(decision.reason),
            ]
        }),
        "personsWithheld": .array(isMASH ? [] : ["p2"]),
        "referrerShown": .bool(true),
    ]
    if let consent = request.consent {
        var consentObject: JSONObject = ["status": .string(consent.status.rawValue), "basis": .string(consent.basis.rawValue)]
        if let reason = consent.reasonNotSought { consentObject["reasonNotSought"] = .string(reason) }
        record["consent"] = .object(consentObject)
    }
    return JSONValue.object(record).serializedString()
}
