/* i40ctl: placeholder until the tool lands in this issue. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "i40ctl: not built yet\n");
	return 1;
}
