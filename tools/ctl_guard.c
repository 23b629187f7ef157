/*
 * ctl_guard.c: a registrar's guardrails (see ctl_guard.h).
 *
 * The language list is ISO 639-1 as Debian's iso-codes has it (184
 * codes, each with its English name); the standard has not changed since
 * 2010, and a code it gains later is refused here until this table has
 * it, which is the safe side: the protocol itself takes any two letters.
 */
#include "ctl_guard.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static const struct lang {
	char code[3];
	const char *name;
} langs[] = {
	{ "aa", "Afar" }, { "ab", "Abkhazian" }, { "ae", "Avestan" },
	{ "af", "Afrikaans" }, { "ak", "Akan" }, { "am", "Amharic" },
	{ "an", "Aragonese" }, { "ar", "Arabic" }, { "as", "Assamese" },
	{ "av", "Avaric" }, { "ay", "Aymara" }, { "az", "Azerbaijani" },
	{ "ba", "Bashkir" }, { "be", "Belarusian" }, { "bg", "Bulgarian" },
	{ "bh", "Bihari" }, { "bi", "Bislama" }, { "bm", "Bambara" },
	{ "bn", "Bengali" }, { "bo", "Tibetan" }, { "br", "Breton" },
	{ "bs", "Bosnian" }, { "ca", "Catalan" }, { "ce", "Chechen" },
	{ "ch", "Chamorro" }, { "co", "Corsican" }, { "cr", "Cree" },
	{ "cs", "Czech" }, { "cu", "Church Slavic" }, { "cv", "Chuvash" },
	{ "cy", "Welsh" }, { "da", "Danish" }, { "de", "German" },
	{ "dv", "Divehi" }, { "dz", "Dzongkha" }, { "ee", "Ewe" },
	{ "el", "Greek" }, { "en", "English" }, { "eo", "Esperanto" },
	{ "es", "Spanish" }, { "et", "Estonian" }, { "eu", "Basque" },
	{ "fa", "Persian" }, { "ff", "Fulah" }, { "fi", "Finnish" },
	{ "fj", "Fijian" }, { "fo", "Faroese" }, { "fr", "French" },
	{ "fy", "Western Frisian" }, { "ga", "Irish" }, { "gd", "Gaelic" },
	{ "gl", "Galician" }, { "gn", "Guarani" }, { "gu", "Gujarati" },
	{ "gv", "Manx" }, { "ha", "Hausa" }, { "he", "Hebrew" },
	{ "hi", "Hindi" }, { "ho", "Hiri Motu" }, { "hr", "Croatian" },
	{ "ht", "Haitian" }, { "hu", "Hungarian" }, { "hy", "Armenian" },
	{ "hz", "Herero" }, { "ia", "Interlingua" }, { "id", "Indonesian" },
	{ "ie", "Interlingue" }, { "ig", "Igbo" }, { "ii", "Sichuan Yi" },
	{ "ik", "Inupiaq" }, { "io", "Ido" }, { "is", "Icelandic" },
	{ "it", "Italian" }, { "iu", "Inuktitut" }, { "ja", "Japanese" },
	{ "jv", "Javanese" }, { "ka", "Georgian" }, { "kg", "Kongo" },
	{ "ki", "Kikuyu" }, { "kj", "Kuanyama" }, { "kk", "Kazakh" },
	{ "kl", "Kalaallisut" }, { "km", "Central Khmer" },
	{ "kn", "Kannada" }, { "ko", "Korean" }, { "kr", "Kanuri" },
	{ "ks", "Kashmiri" }, { "ku", "Kurdish" }, { "kv", "Komi" },
	{ "kw", "Cornish" }, { "ky", "Kirghiz" }, { "la", "Latin" },
	{ "lb", "Luxembourgish" }, { "lg", "Ganda" }, { "li", "Limburgan" },
	{ "ln", "Lingala" }, { "lo", "Lao" }, { "lt", "Lithuanian" },
	{ "lu", "Luba-Katanga" }, { "lv", "Latvian" }, { "mg", "Malagasy" },
	{ "mh", "Marshallese" }, { "mi", "Maori" }, { "mk", "Macedonian" },
	{ "ml", "Malayalam" }, { "mn", "Mongolian" }, { "mr", "Marathi" },
	{ "ms", "Malay" }, { "mt", "Maltese" }, { "my", "Burmese" },
	{ "na", "Nauru" }, { "nb", "Norwegian Bokmål" },
	{ "nd", "North Ndebele" }, { "ne", "Nepali" }, { "ng", "Ndonga" },
	{ "nl", "Dutch" }, { "nn", "Norwegian Nynorsk" },
	{ "no", "Norwegian" }, { "nr", "South Ndebele" }, { "nv", "Navajo" },
	{ "ny", "Chichewa" }, { "oc", "Occitan" }, { "oj", "Ojibwa" },
	{ "om", "Oromo" }, { "or", "Oriya" }, { "os", "Ossetian" },
	{ "pa", "Panjabi" }, { "pi", "Pali" }, { "pl", "Polish" },
	{ "ps", "Pushto" }, { "pt", "Portuguese" }, { "qu", "Quechua" },
	{ "rm", "Romansh" }, { "rn", "Rundi" }, { "ro", "Romanian" },
	{ "ru", "Russian" }, { "rw", "Kinyarwanda" }, { "sa", "Sanskrit" },
	{ "sc", "Sardinian" }, { "sd", "Sindhi" }, { "se", "Northern Sami" },
	{ "sg", "Sango" }, { "si", "Sinhala" }, { "sk", "Slovak" },
	{ "sl", "Slovenian" }, { "sm", "Samoan" }, { "sn", "Shona" },
	{ "so", "Somali" }, { "sq", "Albanian" }, { "sr", "Serbian" },
	{ "ss", "Swati" }, { "st", "Southern Sotho" }, { "su", "Sundanese" },
	{ "sv", "Swedish" }, { "sw", "Swahili" }, { "ta", "Tamil" },
	{ "te", "Telugu" }, { "tg", "Tajik" }, { "th", "Thai" },
	{ "ti", "Tigrinya" }, { "tk", "Turkmen" }, { "tl", "Tagalog" },
	{ "tn", "Tswana" }, { "to", "Tonga" }, { "tr", "Turkish" },
	{ "ts", "Tsonga" }, { "tt", "Tatar" }, { "tw", "Twi" },
	{ "ty", "Tahitian" }, { "ug", "Uighur" }, { "uk", "Ukrainian" },
	{ "ur", "Urdu" }, { "uz", "Uzbek" }, { "ve", "Venda" },
	{ "vi", "Vietnamese" }, { "vo", "Volapük" }, { "wa", "Walloon" },
	{ "wo", "Wolof" }, { "xh", "Xhosa" }, { "yi", "Yiddish" },
	{ "yo", "Yoruba" }, { "za", "Zhuang" }, { "zh", "Chinese" },
	{ "zu", "Zulu" },
};
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

/*
 * Country codes typed as languages.  For the ones that are no language
 * code the person is told the code meant; for the ones that are another
 * language (se is Northern Sami) only warned, since that may be meant.
 */
static const struct {
	char typed[3], meant[3];
} mixups[] = {
	{ "se", "sv" }, { "dk", "da" }, { "gr", "el" }, { "jp", "ja" },
	{ "cn", "zh" }, { "ua", "uk" }, { "cz", "cs" }, { "ee", "et" },
	{ "si", "sl" }, { "uk", "en" }, { "gb", "en" }, { "us", "en" },
	{ "kr", "ko" }, { "at", "de" }, { "ch", "de" }, { "br", "pt" },
	{ "ir", "fa" }, { "il", "he" }, { "vn", "vi" },
};

static int
lang_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct lang *)elem)->code);
}

int
ctl_lang_known(const uint8_t *code, size_t len, const char **name)
{
	const struct lang *l;
	char key[3];

	*name = NULL;
	if (len != 2)
		return 0;
	memcpy(key, code, 2);
	key[2] = '\0';
	if ((l = bsearch(key, langs, NLANGS, sizeof(langs[0]),
	    lang_cmp)) == NULL)
		return 0;
	*name = l->name;
	return 1;
}

/* The code a person who typed code[0..2) more likely meant, or NULL. */
static const char *
meant(const uint8_t *code)
{
	size_t i;

	for (i = 0; i < sizeof(mixups) / sizeof(mixups[0]); i++)
		if (memcmp(mixups[i].typed, code, 2) == 0)
			return mixups[i].meant;
	return NULL;
}

int
ctl_lang_check(const struct codec_bytes *lang, uint32_t n)
{
	const char *name, *m, *mname;
	uint32_t i;

	for (i = 0; i < n; i++) {
		const int len = (int)lang[i].len;
		const char *s = (const char *)lang[i].p;

		m = lang[i].len == 2 ? meant(lang[i].p) : NULL;
		if (!ctl_lang_known(lang[i].p, lang[i].len, &name)) {
			if (m != NULL && ctl_lang_known((const uint8_t *)m, 2,
			    &mname))
				ctl_errx("lang[%u] (--lang) `%.*s': not an ISO "
				    "639-1 language code (it is a country's); "
				    "%s is %s", i, len, s, m, mname);
			else
				ctl_errx("lang[%u] (--lang) `%.*s': not an ISO "
				    "639-1 language code; give the two-letter "
				    "code of the language of instruction, e.g. "
				    "sv (Swedish) or en (English)", i, len, s);
			return I40_E_VALUE;
		}
		if (m != NULL && ctl_lang_known((const uint8_t *)m, 2, &mname))
			ctl_warnx("lang[%u] (--lang) `%.*s' is %s; if you "
			    "meant %s, the code is %s", i, len, s, name, mname,
			    m);
	}
	return 0;
}

void
ctl_today(char out[11])
{
	struct tm tm;
	time_t now = time(NULL);

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		/* No local time: nothing is "in the future" then. */
		memcpy(out, "2999-12-31", 11);
}

int
ctl_date_not_future(const struct codec_bytes *date, const char *flag)
{
	char today[11];

	ctl_today(today);
	/* YYYY-MM-DD compares chronologically as bytes. */
	if (date->len != 10 || memcmp(date->p, today, 10) <= 0)
		return 0;
	ctl_errx("%s %.10s: the date is after today (%s); a result is "
	    "recorded once it has been decided: check the date (and this "
	    "machine's clock), or record it on that day", flag,
	    (const char *)date->p, today);
	return I40_E_DATE;
}
