#include "security/stored_text.h"

#include <nlohmann/json.hpp>

#include "security/field_cipher.h"
#include "security/redaction.h"

namespace sb {

std::string protect_text(std::string text, const StoredTextPolicy& policy) {
    if (policy.redact) text = redact(text);
    if (!policy.cipher) return text;
    auto sealed = policy.cipher->encrypt(text);
    return sealed ? std::move(*sealed) : std::string();
}

std::expected<std::string, std::string> reveal_text(std::string_view stored, const FieldCipher* cipher) {
    if (!FieldCipher::is_encrypted(stored)) return std::string(stored);
    if (!cipher) return std::unexpected("the text is encrypted and privacy.encrypt_history is off (no key to open it)");
    return cipher->decrypt(stored);
}

namespace {

void redact_strings(nlohmann::json& node) {
    if (node.is_string()) {
        node = redact(node.get_ref<const std::string&>());
    } else if (node.is_structured()) {
        for (auto& child : node) redact_strings(child);
    }
}

}  // namespace

std::string redact_json_strings(std::string_view json) {
    auto doc = nlohmann::json::parse(json, nullptr, false);
    if (doc.is_discarded()) return redact(json);
    redact_strings(doc);
    return doc.dump();
}

}  // namespace sb
