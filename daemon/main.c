/* i40d: placeholder until the daemon lands in this issue. */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "i40d: not built yet\n");
	return 1;
}
