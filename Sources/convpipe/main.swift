print("convpipe")
