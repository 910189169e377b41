// Golden values for smysl's fastText hashing: a line-for-line transcription of
// Dictionary::hash and Dictionary::computeSubwords from facebookresearch/fastText
// (src/dictionary.cc), including `h = h ^ uint32_t(int8_t(str[i]))`.
// Build and run once:  g++ -O1 -o /tmp/fth fasttext_hash.cpp && /tmp/fth > fasttext_hash.json
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

static uint32_t hash(const std::string& str) {
  uint32_t h = 2166136261;
  for (size_t i = 0; i < str.size(); i++) {
    h = h ^ uint32_t(int8_t(str[i]));
    h = h * 16777619;
  }
  return h;
}

static void subwords(const std::string& word, int minn, int maxn, int bucket, std::vector<int32_t>& out) {
  for (size_t i = 0; i < word.size(); i++) {
    std::string ngram;
    if ((word[i] & 0xC0) == 0x80) continue;
    for (size_t j = i, n = 1; j < word.size() && n <= (size_t)maxn; n++) {
      ngram.push_back(word[j++]);
      while (j < word.size() && (word[j] & 0xC0) == 0x80) ngram.push_back(word[j++]);
      if (n >= (size_t)minn && !(n == 1 && (i == 0 || j == word.size()))) {
        out.push_back(int32_t(hash(ngram) % bucket));
      }
    }
  }
}

int main() {
  const char* strings[] = {"", "a", "the", "<the>", "кот", "<кот>", "ёжик", "naïve", "日本", "привет"};
  const char* words[] = {"the", "кот", "ёжик", "naïve", "a", "whereupon", "достопримечательность"};
  printf("{\n  \"hashes\": [\n");
  for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++)
    printf("    [\"%s\", %u]%s\n", strings[i], hash(strings[i]), i + 1 < sizeof(strings) / sizeof(*strings) ? "," : "");
  printf("  ],\n  \"subwords\": [\n");
  for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++) {
    std::vector<int32_t> out;
    subwords(std::string("<") + words[w] + ">", 3, 6, 2000000, out);
    printf("    {\"word\": \"%s\", \"minn\": 3, \"maxn\": 6, \"bucket\": 2000000, \"buckets\": [", words[w]);
    for (size_t k = 0; k < out.size(); k++) printf("%s%d", k ? ", " : "", out[k]);
    printf("]}%s\n", w + 1 < sizeof(words) / sizeof(*words) ? "," : "");
  }
  printf("  ]\n}\n");
  return 0;
}
