#!/usr/bin/env node
// Writes tests/data/tokenizer/corpus.jsonl: the prompts the exact token counter is checked
// on (see tests/data/README.md). Deterministic: hand-written texts plus a few templated
// families combined in a fixed order, no randomness, so re-running changes nothing.
// Usage: node tools/make-token-corpus.mjs
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "tests/data/tokenizer/corpus.jsonl");

const english = [
  "Hi, I ordered a pair of running shoes last Tuesday and the tracking number still says 'label created'. Can you tell me when they'll ship?",
  "I was charged twice for my subscription this month. Could you refund the duplicate charge?",
  "How do I reset my password if I no longer have access to the email address on my account?",
  "My package arrived damaged — the box was crushed and the glass vase inside is broken. What are my options?",
  "Can I change the delivery address on an order that has already been dispatched?",
  "The app keeps logging me out every few minutes on my Android phone. I've tried reinstalling it twice.",
  "Do you offer student discounts, and if so, how do I verify my enrollment?",
  "I'd like to cancel my membership, but I can't find the option anywhere in the settings. Please help!",
  "Why was my return rejected? I sent it back within the 30-day window and included the original receipt.",
  "Is it possible to upgrade my plan mid-cycle, and will I be charged a prorated amount?",
  "The quick brown fox jumps over the lazy dog.",
  "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness.",
  "Large language models are trained on vast amounts of text, and their behaviour depends heavily on the data they see. When we evaluate a model, we should consider not only its accuracy on benchmark tasks but also its robustness to distribution shift, its calibration, and the ways in which it might fail silently. A model that is right ninety percent of the time but confidently wrong the remaining ten percent can be more dangerous than one that is right eighty percent of the time and knows when it is unsure.",
  "Summarize the following meeting notes in three bullet points: The team discussed the Q3 roadmap. Marketing wants the launch moved up two weeks; engineering says the payment integration won't be ready. Finance flagged that the cloud budget is 18% over plan. Action items: Priya to draft a revised timeline, Tom to audit unused instances, and Maria to schedule a follow-up with the vendor.",
  "Write a polite email to a landlord asking for the heating to be repaired before the weekend, mentioning that the radiator in the bedroom has been cold since Monday.",
  "Explain the difference between a mutex and a semaphore to a junior developer, using an analogy from everyday life.",
  "You are a helpful assistant. Answer concisely and cite your sources. If you don't know the answer, say so rather than guessing.",
  "Translate into French: \"The museum is closed on Mondays, but the garden is open every day from nine until dusk.\"",
  "What's the capital of Australia? I always thought it was Sydney, but my friend insists it isn't.",
  "Please proofread this paragraph: Their going to announce the results tomorrow, weather or not the committee has finished it's review. Its unclear who's decision it will be.",
  "SHOUTING IN ALL CAPS DOES NOT MAKE THE SERVER RESPOND FASTER, BUT IT DOES MAKE THE TICKET MEMORABLE.",
  "CamelCaseIdentifiers and snake_case_names and SCREAMING_SNAKE_CASE and kebab-case-words all tokenize differently.",
  "I'm sure you're right, but we'd better check: they've said it's fine, and he'll confirm what she'd told us. I'LL CHECK. WE'RE DONE. It'S odd.",
  "Dr. O'Neill's patients weren't told; McDonald's isn't open; the O'Reillys' house is the one that's blue.",
  "In 1969, Apollo 11 landed on the Moon. Neil Armstrong's first words were: \"That's one small step for [a] man, one giant leap for mankind.\"",
  "Once upon a time, in a kingdom by the sea, there lived a cartographer who had never left her village. She drew maps of places she had only heard about from sailors, filling the edges with sea monsters and the centres with cities whose names she invented. One winter a ship arrived carrying a man who claimed to have visited every place on her largest map, and he asked her, with great seriousness, why she had drawn the mountains upside down.",
  "The mitochondria is the powerhouse of the cell; photosynthesis converts light energy into chemical energy stored in glucose.",
  "Antidisestablishmentarianism, floccinaucinihilipilification and pneumonoultramicroscopicsilicovolcanoconiosis are long words.",
  "Customer: Where is my refund?\nAgent: I can see it was issued on the 3rd.\nCustomer: It's not in my account.\nAgent: Banks can take 5-10 business days to post it.",
  "Please classify the sentiment of this review as positive, negative or neutral: \"The battery life is fantastic, but the screen scratches far too easily and support never replied.\"",
];

const chinese = [
  "你好，我上周下的订单到现在还没有发货，请问什么时候能发出？",
  "我的账户被重复扣费了两次，能帮我退还多扣的那一笔吗？",
  "请问如何修改收货地址？订单已经付款了。",
  "收到的商品有破损，包装盒被压坏了，里面的杯子碎了，我想申请退货。",
  "会员到期后会自动续费吗？我不想续费，应该怎么取消？",
  "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。",
  "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
  "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
  "北京是中华人民共和国的首都，也是全国的政治中心、文化中心、国际交往中心和科技创新中心。",
  "请帮我把下面这段话翻译成英文：今天天气很好，我们一起去公园散步吧。",
  "为什么我的手机应用总是自动退出？我已经重新安装了两次，还是没有用。",
  "这家餐厅的服务态度非常好，菜品也很新鲜，就是价格稍微有点贵。",
  "深度学习模型通常需要大量的标注数据进行训练。在数据不足的情况下，可以考虑使用迁移学习、数据增强或者半监督学习等方法来提升模型的性能。",
  "请问你们的客服工作时间是几点到几点？周末有人值班吗？",
  "我想了解一下贵公司的企业版套餐，包括价格、功能以及技术支持的具体内容。",
  "「你吃饭了吗？」他问。『还没有呢。』她回答道。",
  "長城是中國古代的軍事防禦工程，綿延上萬里，是世界上最偉大的建築之一。",
  "学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？",
  "上海的地铁系统非常发达，目前已经开通了二十多条线路，覆盖了城市的大部分区域。每天的客流量超过一千万人次，是世界上最繁忙的城市轨道交通系统之一。",
  "请总结以下内容的要点：公司第三季度营收同比增长百分之十八，净利润增长百分之十二，主要得益于海外市场的快速扩张和新产品线的推出。",
  "退款一般需要三到五个工作日到账，如果超过七天还没有收到，请联系我们。",
  "密码重置链接已经发送到您的邮箱，请在三十分钟内完成操作。",
  "中文分词是自然语言处理中的一项基础任务，与英文不同，中文句子中的词语之间没有空格分隔。",
  "谢谢！非常感谢您的耐心解答。",
  "这个问题我已经反馈了三次了，为什么还是没有人处理？？？",
];

const code = [
  "#include <iostream>\n#include <vector>\n\nint main() {\n    std::vector<int> values{1, 2, 3, 4, 5};\n    int sum = 0;\n    for (const int v : values) sum += v;\n    std::cout << \"sum = \" << sum << '\\n';\n    return 0;\n}\n",
  "template <typename T>\nclass RingBuffer final {\npublic:\n    explicit RingBuffer(std::size_t capacity) : m_data(capacity) {}\n    void push(T value) {\n        m_data[m_head] = std::move(value);\n        m_head = (m_head + 1) % m_data.size();\n        m_size = std::min(m_size + 1, m_data.size());\n    }\n\nprivate:\n    std::vector<T> m_data;\n    std::size_t m_head = 0;\n    std::size_t m_size = 0;\n};\n",
  "def fibonacci(n: int) -> list[int]:\n    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n    result = [0, 1]\n    while len(result) < n:\n        result.append(result[-1] + result[-2])\n    return result[:n]\n\n\nif __name__ == \"__main__\":\n    print(fibonacci(10))\n",
  "import json\nfrom pathlib import Path\n\nclass Config:\n    def __init__(self, path: Path):\n        self._data = json.loads(path.read_text(encoding='utf-8'))\n\n    def get(self, key, default=None):\n        return self._data.get(key, default)\n",
  "const fetchUser = async (id) => {\n  const response = await fetch(`/api/users/${id}`);\n  if (!response.ok) {\n    throw new Error(`HTTP ${response.status}`);\n  }\n  return response.json();\n};\n\nexport default fetchUser;\n",
  "document.querySelectorAll('.btn-primary').forEach((el) => {\n\tel.addEventListener('click', (e) => {\n\t\te.preventDefault();\n\t\tconsole.log('clicked', el.dataset.id);\n\t});\n});",
  "SELECT c.customer_id, c.name, COUNT(o.order_id) AS orders, SUM(o.total) AS revenue\nFROM customers c\nLEFT JOIN orders o ON o.customer_id = c.customer_id\nWHERE o.created_at >= '2024-01-01'\nGROUP BY c.customer_id, c.name\nHAVING SUM(o.total) > 1000\nORDER BY revenue DESC\nLIMIT 20;",
  "CREATE TABLE history (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  request_id TEXT NOT NULL UNIQUE,\n  model TEXT NOT NULL,\n  input_tokens INTEGER DEFAULT 0,\n  output_tokens INTEGER DEFAULT 0,\n  cost_usd REAL\n);\nCREATE INDEX idx_history_model ON history(model);",
  "{\n  \"model\": \"gpt-4o-mini\",\n  \"messages\": [\n    {\"role\": \"system\", \"content\": \"You are terse.\"},\n    {\"role\": \"user\", \"content\": \"Hello!\"}\n  ],\n  \"temperature\": 0.2,\n  \"max_tokens\": 256,\n  \"stream\": true\n}",
  "{\"id\":\"chatcmpl-9xYz\",\"object\":\"chat.completion\",\"created\":1718000000,\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi there!\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}",
  "#!/usr/bin/env bash\nset -euo pipefail\nfor f in \"$@\"; do\n  if [[ -f \"$f\" ]]; then\n    wc -l \"$f\" | awk '{print $1}'\n  else\n    echo \"missing: $f\" >&2\n  fi\ndone\n",
  "find . -name '*.log' -mtime +7 -print0 | xargs -0 rm -f && du -sh /var/log 2>/dev/null || true",
  "curl -sS -X POST https://api.example.com/v1/chat/completions -H \"Authorization: Bearer $OPENAI_API_KEY\" -H 'Content-Type: application/json' -d @request.json | jq '.choices[0].message.content'",
  "fn main() {\n    let words: Vec<&str> = \"the quick brown fox\".split_whitespace().collect();\n    for (i, w) in words.iter().enumerate() {\n        println!(\"{i}: {w}\");\n    }\n}\n",
  "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc handler(w http.ResponseWriter, r *http.Request) {\n\tfmt.Fprintf(w, \"Hello, %s!\", r.URL.Path[1:])\n}\n\nfunc main() {\n\thttp.HandleFunc(\"/\", handler)\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
  "public class Main {\n    public static void main(String[] args) {\n        Map<String, Integer> counts = new HashMap<>();\n        for (String arg : args) counts.merge(arg, 1, Integer::sum);\n        System.out.println(counts);\n    }\n}\n",
  "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Status</title></head>\n<body>\n  <div class=\"card\" id=\"status\">All systems operational</div>\n</body>\n</html>",
  ".card {\n  display: flex;\n  padding: 12px 16px;\n  border-radius: 8px;\n  background: #f5f5f5;\n}\n@media (max-width: 600px) { .card { flex-direction: column; } }",
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: gateway\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: gateway\n          image: switchboard/gateway:0.1.0\n          ports:\n            - containerPort: 8080\n",
  "diff --git a/core/router.cpp b/core/router.cpp\n--- a/core/router.cpp\n+++ b/core/router.cpp\n@@ -10,7 +10,7 @@\n-    if (weight < 0) return {};\n+    if (weight <= 0) return std::nullopt;\n",
  "x = [i**2 for i in range(10) if i % 2 == 0]; y = {k: v for k, v in zip('abc', x)}; print(x, y, sep='\\n')",
  "// Returns true when the breaker should let a probe through.\nbool CircuitBreaker::allow(Clock::time_point now) {\n    std::lock_guard lock(m_mutex);\n    if (m_state == State::Open && now - m_opened_at >= m_cooldown) {\n        m_state = State::HalfOpen;\n        return true;\n    }\n    return m_state == State::Closed;\n}",
  "Traceback (most recent call last):\n  File \"/app/main.py\", line 42, in <module>\n    result = client.chat(messages)\n  File \"/app/client.py\", line 17, in chat\n    raise RateLimitError(resp.headers.get('retry-after'))\nclient.RateLimitError: 20\n",
  "ERROR 2024-03-15T08:12:45.123Z [worker-3] upstream=openai status=429 latency_ms=812 retry_after=2s request_id=req_8f3a9c1d2e",
  "const re = /^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@(?:[a-z0-9-]+\\.)+[a-z]{2,}$/i;",
  "    if (x) {\n        return y;\n    }\n\n\n\n    // trailing spaces   \n\t\t\tindent with tabs\n",
  "matrix = [[1, 2, 3],\n          [4, 5, 6],\n          [7, 8, 9]]\nprint(sum(map(sum, matrix)))  # 45",
  "UPDATE accounts SET balance = balance - 100.50 WHERE id = 42; INSERT INTO ledger(account_id, delta, note) VALUES (42, -100.50, 'transfer #7781');",
  "git commit -m \"Fix off-by-one in pagination\" && git push origin feature/pagination-fix",
  "<?php\n$users = array_filter($rows, fn($r) => $r['active'] === true);\necho json_encode(array_values($users), JSON_PRETTY_PRINT);\n",
];

const mixed = [
  "请帮我用 Python 写一个函数，计算列表中所有偶数的和。",
  "我的 iPhone 15 Pro 在升级到 iOS 17.2 之后，Wi-Fi 经常断开，怎么办？",
  "这个 bug 出现在 release/2.3 分支，log 里显示 NullPointerException at line 88。",
  "Please translate to Chinese: Our office will be closed on National Day (October 1st to October 7th).",
  "订单号 ORD-2024-00012345，金额 ¥1,299.00，状态：已发货 (shipped)。",
  "The word 你好 means hello, and 谢谢 means thank you. 再见 means goodbye!",
  "用 SQL 查询：SELECT * FROM users WHERE created_at > '2024-01-01'; 结果太多了，怎么分页？",
  "我们的 API 返回 HTTP 429 Too Many Requests，请问 rate limit 是多少 RPM？",
  "Meeting at 3pm 在三楼会议室，please bring your laptop 和充电器。",
  "这段代码 `for i in range(10): print(i)` 为什么输出的是 0 到 9 而不是 1 到 10？",
  "The customer wrote: \"东西很好，但是快递太慢了\" — which means the product is good but shipping was too slow.",
  "Kubernetes 的 Pod 一直处于 CrashLoopBackOff 状态，kubectl logs 显示 OOMKilled。",
  "日本語のテキストも混ぜます：東京は日本の首都です。And some English after it.",
  "한국어 문장도 있습니다: 안녕하세요, 만나서 반갑습니다. Then English again.",
  "GPT-4o 和 Claude 3.5 Sonnet 哪个更适合做代码生成？请从 latency、cost 和 quality 三个方面比较。",
  "错误信息：ConnectionResetError: [Errno 104] Connection reset by peer，重试三次后仍然失败。",
  "价格是 $19.99/月 或者 ¥138/月，年付可以打八五折 (15% off)。",
  "我在用 VS Code + clangd，header 里的 #include <nlohmann/json.hpp> 一直报 file not found。",
  "Schedule: 周一 Mon 9:00–17:00, 周二 Tue 9:00–12:00, 周末 closed 休息。",
  "Привет! This is a mix of Русский текст and English words together.",
];

const multilingual = [
  "Überraschenderweise können Äpfel und Öl größere Straßen überqueren, während Fußgänger schnell gehen.",
  "Le cœur a ses raisons que la raison ne connaît point. Où est la bibliothèque ? À bientôt, ça va très bien !",
  "¿Dónde está la estación de tren? Necesito llegar a Málaga antes de las ocho de la mañana.",
  "Tiếng Việt có rất nhiều dấu: Hà Nội, Thành phố Hồ Chí Minh, phở bò, bánh mì, cà phê sữa đá.",
  "Tie\u0302\u0301ng Vie\u0323\u0302t (decomposed with combining marks): Ha\u0300 No\u0323\u0302i, pho\u031B\u0309.",
  "हिन्दी भारत की राजभाषा है। नमस्ते, आप कैसे हैं? मुझे हिंदी सीखना अच्छा लगता है।",
  "العربية لغة جميلة. مرحبا، كيف حالك؟ أريد أن أطلب وجبة الغداء من فضلك.",
  "עברית נכתבת מימין לשמאל. שלום, מה שלומך היום?",
  "Ελληνικά: Καλημέρα! Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. ΑΘΗΝΑ ΕΛΛΑΔΑ.",
  "Русский язык: Москва — столица России. МОСКВА. Как дела? Всё хорошо, спасибо!",
  "ไทย: สวัสดีครับ วันนี้อากาศดีมาก ผมอยากไปเที่ยวทะเล",
  "日本語：今日はいい天気ですね。カタカナ、ひらがな、漢字が混ざっています。ｶﾀｶﾅ半角もあります。",
  "한국어: 서울은 대한민국의 수도입니다. 오늘 날씨가 정말 좋네요!",
  "Polski: Zażółć gęślą jaźń. Łódź, Kraków, Gdańsk i Wrocław to piękne miasta.",
  "Türkçe: İstanbul'da yaşıyorum. IŞIK ışık İĞNE iğne ÇOCUK çocuk.",
  "Dǅemal ǈubomir ǋegoš: titlecase digraphs ǅ ǈ ǋ and ǲ next to Ǳ ǳ.",
  "Ａｌｐｈａ　ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ　１２３　with ideographic spaces　here.",
  "ſtatt ſ: the long s in 'ſ and CAN'ſ contractions, plus ﬁ ﬂ ligatures.",
];

const emoji = [
  "I love this product!!! 😍😍😍 Five stars ⭐⭐⭐⭐⭐",
  "Shipping was slow 🐢 but the support team was great 👍🏽 thanks!",
  "Family: 👨‍👩‍👧‍👦 flags: 🇺🇸🇨🇳🇯🇵🇩🇪 keycaps: 1️⃣2️⃣3️⃣ skin tones: 👋🏻👋🏼👋🏽👋🏾👋🏿",
  "🎉🎉 生日快乐！🎂 祝你天天开心 😊",
  "Status: ✅ passed, ❌ failed, ⚠️ warning, ℹ️ info, 🔥 hot path",
  "🙂🙃😉😊😇🥰😍🤩😘😗☺️😚😙🥲😋😛😜🤪😝🤑🤗🤭🫢🫣🤫🤔",
  "Math symbols: ∀x ∈ ℝ, x² ≥ 0; ∑ᵢ aᵢ = ∫₀¹ f(x) dx ≈ π/4 → ∞ ≠ ∅ ⊂ ⊆ ∪ ∩",
  "Arrows and boxes: ← ↑ → ↓ ↔ ⇒ ⇔ ┌─┬─┐ │ │ │ └─┴─┘ ■ □ ▲ △ ● ○ ★ ☆ ♠ ♣ ♥ ♦",
  "Currency: $ € £ ¥ ₹ ₩ ₽ ₿ ¢ — prices €12,50 and £7.99 and ₹1,499.",
];

const numbers = [
  "Order #1234567890 totals $1,234.56, placed on 2024-03-15 at 14:32:07 UTC.",
  "Call us at +1 (800) 555-0199 or +44 20 7946 0958, Monday–Friday 09:00–17:30.",
  "Pi is approximately 3.14159265358979323846264338327950288419716939937510.",
  "Version 10.15.7, build 19H2, released 2020-11-12; next is v11.0.1-rc.3+build.456.",
  "1 2 3 4 5 6 7 8 9 10 11 12 100 1000 10000 100000 1000000 12345678901234567890",
  "Temperatures this week: -5°C, -2.5°C, 0°C, 3.7°C, 12°C, 21.3°C, 38.9°C (102°F).",
  "Coordinates: 48.8566° N, 2.3522° E; 35.6762° N, 139.6503° E; -33.8688, 151.2093.",
  "Invoice INV-2023-0042: 3 × $19.99 = $59.97; tax 8.875% = $5.32; total $65.29.",
  "Dates: 01/02/2024, 2/1/24, 2024年1月2日, 1st Feb 2024, 2024-02-01T00:00:00+08:00.",
  "IP 192.168.1.254, mask 255.255.255.0, IPv6 2001:0db8:85a3:0000:0000:8a2e:0370:7334, port 65535.",
  "Roman numerals Ⅰ Ⅱ Ⅲ Ⅳ Ⅻ, fractions ½ ¼ ¾ ⅓, superscripts ¹²³, circled ①②③ and Arabic-Indic ٠١٢٣٤٥٦٧٨٩.",
  "Full-width digits １２３４５６７８９０ and Devanagari digits १२३४५ mixed with 42.",
  "UUID 123e4567-e89b-12d3-a456-426614174000 and hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
];

const whitespace = [
  "   leading spaces and trailing spaces   ",
  "double  spaces   triple   spaces    quadruple     quintuple",
  "tabs\there\t\tand\t\t\tthere",
  "line one\nline two\n\nline four after a blank line\n\n\n\nand after three blanks",
  "windows\r\nline\r\nendings\r\n\r\nhere",
  "mixed \t \n \t\n  \r\n   whitespace soup   \n",
  "\n\n\nstarts with newlines",
  "ends with newlines\n\n\n",
  "no-break\u00a0spaces\u00a0and\u2003em\u2003spaces\u2009thin\u200aspaces",
  "zero\u200bwidth\u200bspace and\u200dzero-width-joiner and \ufeffBOM",
  "ideographic\u3000space\u3000中文\u3000间隔",
  "vertical\u000btab and form\u000cfeed and next\u0085line and line\u2028separator\u2029paragraph",
  "                                                                                word after 80 spaces",
  "end with a single space ",
  " ",
  "\t",
  "\n",
  "a\n b\n  c\n   d\n    e",
  "   \n   \n   ",
  "punctuation!!! ... ??? ,,, ;;; ::: --- ___ *** ### @@@ $$$ %%% ^^^ &&& (( )) [[ ]] {{ }}",
  "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D 'x 'hello",
  "don't won't can't shouldn't I'm you're we've they'll she'd it's DON'T WON'T CAN'T I'M YOU'RE",
  "quotes: “smart” ‘single’ «guillemets» „German“ 「corner」 『double corner』 ‚low‘",
  "path/to/file.txt //comment /* block */ http:// a/b/c/ ///triple ////quad\n//\n",
  "=".repeat(300),
  "-".repeat(120) + "\n" + "#".repeat(80) + "\n" + "*".repeat(40),
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "<|endoftext|> <|fim_prefix|> <|im_start|>user\nspecial tokens are plain text here<|im_end|>",
  "",
];

const urls = [
  "https://www.example.com/products/running-shoes?size=42&color=blue&utm_source=newsletter#reviews",
  "See https://github.com/openai/tiktoken/blob/main/tiktoken_ext/openai_public.py and https://en.wikipedia.org/wiki/Byte_pair_encoding for details.",
  "Email support@example.com or john.doe+orders@sub.mail-server.co.uk; ftp://files.example.org/pub/readme.txt",
  "https://例子.测试/路径/页面?查询=值 and https://zh.wikipedia.org/wiki/%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD",
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "s3://my-bucket/logs/2024/03/15/part-00001.gz, gs://bucket/object, file:///home/user/.config/switchboard/config.json",
];

// Templated customer-service and budget prompts: fixed lists crossed in a fixed order.
const products = ["wireless earbuds", "the Pro plan", "a 27-inch monitor", "order #88412", "the family bundle", "my gift card", "the annual subscription", "a replacement charger"];
const issues = [
  (p) => `I bought ${p} three weeks ago and it stopped working yesterday. Is it still under warranty, and how do I start a claim?`,
  (p) => `Can you explain why ${p} costs $49.99 now when it was $39.99 last month? I'd like the old price honoured.`,
  (p) => `我购买的${p}一直没有收到，物流信息显示已签收，但我并没有收到，请帮我查一下。`,
  (p) => `Hello!! 👋 quick question about ${p}: does it ship to Canada 🇨🇦 and how long does delivery take?`,
  (p) => `Refund request for ${p}.\n\nReason: duplicate charge\nAmount: 12.00 EUR\nDate: 2024-05-0${products.indexOf(p) % 9 + 1}\n\nThanks,\nAlex`,
];
const templated = [];
for (const issue of issues) for (const p of products) templated.push(issue(p));

// A long unbroken "word" (base64-like, from a fixed Park–Miller sequence; exact in doubles) and a long
// CJK run without punctuation: single pieces of hundreds of bytes, the slow path of BPE merging.
let seed = 12345;
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
let blob = "";
for (let i = 0; i < 800; ++i) {
  seed = (seed * 48271) % 2147483647;
  blob += alphabet[(seed >> 8) % 64];
}
const cjkRun = chinese.map((t) => t.replace(/[^\u4e00-\u9fff]/g, "")).join("").slice(0, 300);

const longChinese = chinese.slice(5, 13).join("");
const longEnglish = english.slice(11, 16).join(" ");
const long = [
  longEnglish,
  longChinese,
  code.slice(0, 6).join("\n\n"),
  mixed.join("\n"),
  `${longEnglish}\n\n${longChinese}\n\n\`\`\`python\n${code[2]}\`\`\``,
  `attachment: ${blob}`,
  cjkRun,
];

const groups = [
  ["english", english], ["chinese", chinese], ["code", code], ["mixed", mixed],
  ["multilingual", multilingual], ["emoji", emoji], ["numbers", numbers],
  ["whitespace", whitespace], ["url", urls], ["templated", templated], ["long", long],
];

const lines = [];
for (const [kind, texts] of groups) {
  texts.forEach((text, i) => {
    lines.push(JSON.stringify({ id: `${kind}-${String(i + 1).padStart(3, "0")}`, kind, text }));
  });
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${lines.length} prompts to ${out}`);
