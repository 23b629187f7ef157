/* pnr.c: Swedish personal identity and coordination numbers (pnr.h). */
#include "pnr.h"

#include <stdio.h>
#include <string.h>

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Is y-m-d after today? */
static int
after(int y, int m, int d, const struct pnr_date *t)
{
	if (y != t->year)
		return y > t->year;
	if (m != t->month)
		return m > t->month;
	return d > t->day;
}

/* Two decimal digits of x (0..99) at p. */
static void
put2(char *p, int x)
{
	p[0] = (char)('0' + x / 10);
	p[1] = (char)('0' + x % 10);
}

/* The Luhn sum of ten digits (weights 2, 1, 2, ...) is a multiple of 10. */
static int
luhn_ok(const int *dg)
{
	int i, sum = 0;

	for (i = 0; i < 10; i++) {
		int x = dg[i] * (i % 2 == 0 ? 2 : 1);

		sum += x > 9 ? x - 9 : x;
	}
	return sum % 10 == 0;
}

int
pnr_parse(const char *text, const struct pnr_date *today, char *out,
    int *coordination, char *why, size_t cap)
{
	int dg[12], n = 0, sep = 0, sep_at = -1, year, month, day, i, coord;
	size_t len;

	while (*text == ' ')
		text++;
	len = strlen(text);
	while (len > 0 && text[len - 1] == ' ')
		len--;
	for (i = 0; i < (int)len; i++) {
		char c = text[i];

		if (c >= '0' && c <= '9' && n < 12)
			dg[n++] = c - '0';
		else if ((c == '-' || c == '+') && sep == 0 && n >= 6) {
			sep = c;
			sep_at = n;
		} else {
			snprintf(why, cap, "a personal identity number is "
			    "YYYYMMDD-NNNN (or YYMMDD-NNNN): digits and one '-' "
			    "or '+' before the last four");
			return I40_E_VALUE;
		}
	}
	if ((n != 10 && n != 12) || (sep != 0 && sep_at != n - 4) ||
	    (n == 12 && sep == '+')) {
		snprintf(why, cap, "a personal identity number is "
		    "YYYYMMDD-NNNN (or YYMMDD-NNNN, YYMMDD+NNNN past 100): "
		    "%d digits given", n);
		return I40_E_VALUE;
	}
	if (!luhn_ok(dg + (n - 10))) {
		snprintf(why, cap, "its check digit does not match: a digit "
		    "is mistyped or two are swapped");
		return I40_E_VALUE;
	}
	month = dg[n - 8] * 10 + dg[n - 7];
	day = dg[n - 6] * 10 + dg[n - 5];
	coord = day > 60;
	if (coord)
		day -= 60;
	if (n == 12)
		year = dg[0] * 1000 + dg[1] * 100 + dg[2] * 10 + dg[3];
	else {
		int yy = dg[0] * 10 + dg[1];

		/* The latest such year not in the future; '+': 100 before. */
		year = today->year / 100 * 100 + yy;
		if (month >= 1 && month <= 12 && day >= 1 &&
		    after(year, month, day, today))
			year -= 100;
		if (sep == '+')
			year -= 100;
	}
	if (month < 1 || month > 12 || day < 1 || day > days_in(year, month)) {
		snprintf(why, cap, "its date (%s) is no day of the calendar",
		    coord ? "with 60 added to the day: a coordination number" :
		    "YYMMDD");
		return I40_E_VALUE;
	}
	if (after(year, month, day, today)) {
		snprintf(why, cap, "its date of birth is after today");
		return I40_E_VALUE;
	}
	if (year < 1000 || year > 9999) {
		snprintf(why, cap, "its year is not one of four digits");
		return I40_E_VALUE;
	}
	put2(out, year / 100);
	put2(out + 2, year % 100);
	put2(out + 4, month);
	put2(out + 6, day + (coord ? 60 : 0));
	out[8] = '-';
	for (i = 0; i < 4; i++)
		out[9 + i] = (char)('0' + dg[n - 4 + i]);
	out[PNR_LEN] = '\0';
	if (coordination != NULL)
		*coordination = coord;
	return 0;
}
