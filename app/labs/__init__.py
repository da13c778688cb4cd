"""Labs: change the input (transform), the network (edits) or a kernel (convolve) and see what follows."""
